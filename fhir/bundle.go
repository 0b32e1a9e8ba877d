package fhir

import "github.com/consentd/consentd/consent"

// SearchBundle wraps one page of consents in an R4 searchset Bundle. total is
// the number of matches over all pages (omitted when negative, i.e. unknown);
// selfURL and nextURL may be server-relative ("/fhir/r4/Consent?...") and are
// made absolute; nextURL "" means this is the last page.
func SearchBundle(list []*consent.Consent, total int, selfURL, nextURL string, o Options) map[string]any {
	b := map[string]any{"resourceType": "Bundle", "type": "searchset"}
	if total >= 0 {
		b["total"] = total
	}
	var links []any
	if selfURL != "" {
		links = append(links, map[string]any{"relation": "self", "url": o.absolute(selfURL)})
	}
	if nextURL != "" {
		links = append(links, map[string]any{"relation": "next", "url": o.absolute(nextURL)})
	}
	if len(links) > 0 {
		b["link"] = links
	}
	if len(list) > 0 {
		entries := make([]any, 0, len(list))
		for _, c := range list {
			entries = append(entries, map[string]any{
				"fullUrl":  o.FHIRBase() + "/Consent/" + c.ID,
				"resource": Consent(c, o),
				"search":   map[string]any{"mode": "match"},
			})
		}
		b["entry"] = entries
	}
	return b
}
