package main

import "slices"

// Builders for JSON Schema (2020-12, as OpenAPI 3.1 uses it).

const timeNote = "UTC, RFC 3339 with millisecond precision and a Z, e.g. 2026-11-25T09:44:00.123Z."

// ref points at a component schema.
func ref(name string) M { return M{"$ref": "#/components/schemas/" + name} }

func withDesc(m M, desc string) M {
	if desc != "" {
		m["description"] = desc
	}
	return m
}

func str(desc string) M { return withDesc(M{"type": "string"}, desc) }

func enum(desc string, vals ...string) M {
	return withDesc(M{"type": "string", "enum": vals}, desc)
}

func integer(desc string) M { return withDesc(M{"type": "integer"}, desc) }

func boolean(desc string) M { return withDesc(M{"type": "boolean"}, desc) }

func arr(items M, desc string) M { return withDesc(M{"type": "array", "items": items}, desc) }

// mapOf is an object whose keys are free and whose values match v.
func mapOf(v M, desc string) M {
	return withDesc(M{"type": "object", "additionalProperties": v}, desc)
}

// timestamp is a server-written time.
func timestamp(desc string) M {
	if desc != "" {
		desc += " "
	}
	return M{"type": "string", "format": "date-time", "pattern": `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`,
		"description": desc + timeNote}
}

// orNull lets a schema also be null: type lists for plain types, anyOf for references.
func orNull(m M) M {
	if t, ok := m["type"].(string); ok {
		out := M{}
		for k, v := range m {
			out[k] = v
		}
		out["type"] = []string{t, "null"}
		return out
	}
	return M{"anyOf": []M{m, {"type": "null"}}}
}

// output is a response object: every property is always present except the
// optional ones (omitted when empty). Responses may grow new fields, so extra
// properties are allowed.
func output(desc string, props M, optional ...string) M {
	opt := map[string]bool{}
	for _, o := range optional {
		if _, ok := props[o]; !ok {
			panic("optional property " + o + " not declared")
		}
		opt[o] = true
	}
	var req []string
	for k := range props {
		if !opt[k] {
			req = append(req, k)
		}
	}
	slices.Sort(req)
	m := M{"type": "object", "properties": props}
	if len(req) > 0 {
		m["required"] = req
	}
	return withDesc(m, desc)
}

// input is a request object: the server rejects unknown fields.
func input(desc string, props M, required ...string) M {
	for _, r := range required {
		if _, ok := props[r]; !ok {
			panic("required property " + r + " not declared")
		}
	}
	m := M{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		m["required"] = required
	}
	return withDesc(m, desc)
}

// list is a page of items.
func list(item, desc string) M {
	return output(desc, M{
		"data":        arr(ref(item), ""),
		"next_cursor": str("Present when there may be more items: pass it as the cursor query parameter to get the next page."),
	}, "next_cursor")
}
