package fhir

import "github.com/consentd/consentd/consent"

// Extensions consentd defines on Consent, documented in docs/API.md. They
// show derived flags; neither changes what the consent is (so they are not
// modifier extensions), and neither touches provision.period: a consent
// whose re-consent is only recommended is still in force.
const (
	// ExtReconsentDue: a later version of the template was published with
	// re-consent required or recommended. Sub-extensions: reason
	// (valueString), policy (valueCode required | recommended), version
	// (valuePositiveInt, the version that caused it).
	ExtReconsentDue = "https://consentd.dev/fhir/StructureDefinition/reconsent-due"
	// ExtRenewalDue: the consent is older than its version's valid_for_days.
	// Sub-extensions: reason (valueString), validForDays (valuePositiveInt),
	// dueAt (valueDateTime).
	ExtRenewalDue = "https://consentd.dev/fhir/StructureDefinition/renewal-due"
)

// dueExtensions returns the Consent extensions of c's derived flags.
func dueExtensions(c *consent.Consent) []any {
	var out []any
	if d := c.ReconsentDue; d != nil {
		out = append(out, map[string]any{"url": ExtReconsentDue, "extension": []any{
			map[string]any{"url": "reason", "valueString": d.Reason},
			map[string]any{"url": "policy", "valueCode": d.Policy},
			map[string]any{"url": "version", "valuePositiveInt": d.Version},
		}})
	}
	if d := c.RenewalDue; d != nil {
		out = append(out, map[string]any{"url": ExtRenewalDue, "extension": []any{
			map[string]any{"url": "reason", "valueString": d.Reason},
			map[string]any{"url": "validForDays", "valuePositiveInt": d.ValidForDays},
			map[string]any{"url": "dueAt", "valueDateTime": instant(d.DueAt)},
		}})
	}
	return out
}
