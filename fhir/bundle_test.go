package fhir

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/google/go-cmp/cmp"
)

func TestSearchBundleRules(t *testing.T) {
	o := testOptions()
	two := []*consent.Consent{testConsent(consent.StatusSigned), testConsent(consent.StatusWithdrawn)}
	two[1].ID = "01JDQ7ZK3M5V8W2X4Y6Z8A0B1E"
	tests := []struct {
		name          string
		list          []*consent.Consent
		total         int
		self, next    string
		wantTotal     any // nil: absent
		wantSelf      string
		wantNext      string
		wantEntryURLs []string
	}{
		{"first page", two, 5, "/fhir/r4/Consent?patient:identifier=MRN-1001", "/fhir/r4/Consent?patient:identifier=MRN-1001&_cursor=c2",
			json.Number("5"), "https://consent.example.org/fhir/r4/Consent?patient:identifier=MRN-1001",
			"https://consent.example.org/fhir/r4/Consent?patient:identifier=MRN-1001&_cursor=c2",
			[]string{"https://consent.example.org/fhir/r4/Consent/" + two[0].ID, "https://consent.example.org/fhir/r4/Consent/" + two[1].ID}},
		{"last page, absolute self", two[:1], 5, "https://other.example/fhir/r4/Consent?_cursor=c2", "",
			json.Number("5"), "https://other.example/fhir/r4/Consent?_cursor=c2", "",
			[]string{"https://consent.example.org/fhir/r4/Consent/" + two[0].ID}},
		{"no match", nil, 0, "/fhir/r4/Consent?patient:identifier=x", "",
			json.Number("0"), "https://consent.example.org/fhir/r4/Consent?patient:identifier=x", "", nil},
		{"unknown total", two, -1, "/fhir/r4/Consent", "", nil, "https://consent.example.org/fhir/r4/Consent", "",
			[]string{"https://consent.example.org/fhir/r4/Consent/" + two[0].ID, "https://consent.example.org/fhir/r4/Consent/" + two[1].ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := decode(t, SearchBundle(tt.list, tt.total, tt.self, tt.next, o))
			if str(r["resourceType"]) != "Bundle" || str(r["type"]) != "searchset" {
				t.Errorf("resourceType/type = %v/%v", r["resourceType"], r["type"])
			}
			// bdl-1: total only in searchset/history; an unsignedInt.
			if diff := cmp.Diff(tt.wantTotal, r["total"]); diff != "" {
				t.Errorf("total (-want +got):\n%s", diff)
			}
			links := map[string]string{}
			for _, l := range list(r["link"]) {
				links[str(at(l, "relation"))] = str(at(l, "url"))
			}
			if links["self"] != tt.wantSelf || links["next"] != tt.wantNext || len(links) != len(list(r["link"])) {
				t.Errorf("links = %v, want self %q next %q", links, tt.wantSelf, tt.wantNext)
			}
			var urls []string
			for i, e := range list(r["entry"]) {
				full := str(at(e, "fullUrl"))
				u, err := url.Parse(full)
				if err != nil || !u.IsAbs() || u.Scheme != "https" {
					t.Errorf("entry[%d].fullUrl %q is not absolute", i, full)
				}
				if want := o.FHIRBase() + "/Consent/" + str(at(e, "resource", "id")); full != want {
					t.Errorf("entry[%d].fullUrl = %q, want %q (matching the resource id)", i, full, want)
				}
				if got := str(at(e, "search", "mode")); got != "match" {
					t.Errorf("entry[%d].search.mode = %q", i, got)
				}
				if e.(map[string]any)["request"] != nil || e.(map[string]any)["response"] != nil {
					t.Errorf("entry[%d]: request/response in a searchset (bdl-3, bdl-4)", i)
				}
				if diff := cmp.Diff(decode(t, Consent(tt.list[i], o)), at(e, "resource")); diff != "" {
					t.Errorf("entry[%d].resource differs from Consent() (-want +got):\n%s", i, diff)
				}
				urls = append(urls, full)
			}
			if diff := cmp.Diff(tt.wantEntryURLs, urls); diff != "" {
				t.Errorf("entry fullUrls (-want +got):\n%s", diff)
			}
		})
	}
}
