package fhir

// CapabilityStatement describes this server's FHIR endpoint: read-only Consent
// (read, search by patient:identifier) and DocumentReference (read), JSON only.
func CapabilityStatement(o Options) map[string]any {
	version := o.Version
	if version == "" {
		version = "unknown"
	}
	r := map[string]any{
		"resourceType": "CapabilityStatement",
		"name":         "ConsentdCapabilityStatement",
		"title":        "consentd FHIR R4 endpoint",
		"status":       "active",
		"date":         instant(o.now()),
		"kind":         "instance",
		"software":     map[string]any{"name": "consentd", "version": version},
		"implementation": map[string]any{
			"description": "consentd: informed consent records as FHIR Consent and DocumentReference (read-only)",
			"url":         o.FHIRBase(),
		},
		"fhirVersion": FHIRVersion,
		"format":      []any{"json", ContentType},
		"rest": []any{map[string]any{
			"mode": "server",
			"security": map[string]any{
				"description": "Authorization: Bearer <API key> with scope consents:read.",
			},
			"resource": []any{
				map[string]any{
					"type":        "Consent",
					"interaction": []any{map[string]any{"code": "read"}, map[string]any{"code": "search-type"}},
					"searchParam": []any{map[string]any{
						"name":          "patient",
						"definition":    "http://hl7.org/fhir/SearchParameter/clinical-patient",
						"type":          "reference",
						"documentation": "Only the :identifier modifier is supported: patient:identifier=[system|]value.",
					}},
				},
				map[string]any{
					"type":        "DocumentReference",
					"interaction": []any{map[string]any{"code": "read"}},
				},
			},
		}},
	}
	putString(r, "publisher", o.OrganizationName)
	return r
}
