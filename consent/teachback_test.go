package consent_test

import (
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/google/go-cmp/cmp"
)

// teachBackContent is testContent with two questions on "risks" (correct
// choice 1) in both locales; required sets teach_back: required.
func teachBackContent(required bool) consent.VersionContent {
	c := testContent()
	one := 1
	for code, lc := range c.Locales {
		lc.Sections[1].Questions = []consent.Question{
			{Key: "drive", Question: "May you drive today? (" + code + ")", Choices: []string{"Yes", "No, not until tomorrow"},
				Correct: &one, Explanation: "The section says: no driving until the next day."},
			{Key: "stop", Question: "May you stop at any time? (" + code + ")", Choices: []string{"No", "Yes", "Only with a fee"},
				Correct: &one, Explanation: "You may stop at any time."},
		}
		c.Locales[code] = lc
	}
	if required {
		c.TeachBack = consent.TeachBackRequired
	}
	return c
}

func TestQuestionValidation(t *testing.T) {
	zero, five := 0, 5
	for _, tc := range []struct {
		name  string
		edit  func(c *consent.VersionContent)
		field string
	}{
		{"one choice", func(c *consent.VersionContent) { c.Locales["en"].Sections[1].Questions[0].Choices = []string{"Yes"} },
			"locales.en.sections[1].questions[0].choices"},
		{"five choices", func(c *consent.VersionContent) {
			c.Locales["en"].Sections[1].Questions[0].Choices = []string{"a", "b", "c", "d", "e"}
		}, "locales.en.sections[1].questions[0].choices"},
		{"no correct choice", func(c *consent.VersionContent) { c.Locales["es"].Sections[1].Questions[1].Correct = nil },
			"locales.es.sections[1].questions[1].correct"},
		{"correct out of range", func(c *consent.VersionContent) { c.Locales["en"].Sections[1].Questions[0].Correct = &five },
			"locales.en.sections[1].questions[0].correct"},
		{"two identical choices", func(c *consent.VersionContent) {
			c.Locales["en"].Sections[1].Questions[0].Choices = []string{"Yes", "Yes"}
		}, "locales.en.sections[1].questions[0].choices[1]"},
		{"another correct index in one locale", func(c *consent.VersionContent) { c.Locales["es"].Sections[1].Questions[0].Correct = &zero },
			"locales.es.sections[1].questions[0]"},
		{"a question missing in one locale", func(c *consent.VersionContent) {
			lc := c.Locales["es"]
			lc.Sections[1].Questions = lc.Sections[1].Questions[:1]
		}, "locales.es.sections[1].questions"},
		{"blank explanation", func(c *consent.VersionContent) { c.Locales["en"].Sections[1].Questions[0].Explanation = " " },
			"locales.en.sections[1].questions[0].explanation"},
		{"unknown teach_back", func(c *consent.VersionContent) { c.TeachBack = "always" }, "teach_back"},
		{"required without a clinician", func(c *consent.VersionContent) {
			c.TeachBack, c.RequiredSigners = consent.TeachBackRequired, []string{consent.RolePatient}
		}, "teach_back"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := teachBackContent(false)
			// Questions are shared slices per locale: give each locale its own.
			for code, lc := range c.Locales {
				secs := append([]consent.Section(nil), lc.Sections...)
				secs[1].Questions = append([]consent.Question(nil), secs[1].Questions...)
				for i := range secs[1].Questions {
					secs[1].Questions[i].Choices = append([]string(nil), secs[1].Questions[i].Choices...)
				}
				lc.Sections = secs
				c.Locales[code] = lc
			}
			tc.edit(&c)
			wantCode(t, tc.name, c.Validate(), consent.EINVALID, tc.field)
		})
	}
	if err := teachBackContent(true).Validate(); err != nil {
		t.Errorf("valid questions: %v", err)
	}
}

// TestQuestionsEnterHashOnlyWhenSet keeps the hashes of versions and
// documents made before teach-back: no questions, no change.
func TestQuestionsEnterHashOnlyWhenSet(t *testing.T) {
	plain, with := testContent(), teachBackContent(false)
	m := plain.CanonicalMap()
	for _, raw := range m["locales"].(map[string]any) {
		for _, s := range raw.(map[string]any)["sections"].([]any) {
			if _, ok := s.(map[string]any)["questions"]; ok {
				t.Fatal("a section without questions has a questions key in its canonical form")
			}
		}
	}
	if _, ok := m["teach_back"]; ok {
		t.Fatal("teach_back entered the canonical form unset")
	}
	a, _ := plain.SHA256()
	b, _ := with.SHA256()
	if a == b {
		t.Error("questions do not change the content hash")
	}
}

func TestTeachBackAnswersAndCountersignature(t *testing.T) {
	for _, required := range []bool{false, true} {
		t.Run(map[bool]string{false: "optional", true: "required"}[required], func(t *testing.T) {
			w := newWorld(t)
			w.publish("tpl", teachBackContent(required))
			w.staff("dr", consent.RoleClinician)
			cc := w.create()
			ctx := tablet("10.0.0.9", "")
			answer := func(q string, choice int) *consent.AnswerResult {
				t.Helper()
				return must[*consent.AnswerResult](t)(w.svc.RecordAnswer(ctx, cc.SigningToken, consent.AnswerInput{Section: "risks", Question: q, Choice: choice}))
			}
			r := answer("drive", 0)
			if r.Attempt.Correct || r.Explanation == "" || r.Flagged || r.Attempts != 1 {
				t.Fatalf("first wrong answer: %+v", r)
			}
			r = answer("drive", 0)
			if r.Attempt.Correct || !r.Flagged || r.Attempts != 2 {
				t.Fatalf("second wrong answer: %+v", r)
			}
			if r := answer("stop", 1); !r.Attempt.Correct || r.Explanation != "" || !r.Flagged {
				t.Fatalf("right answer: %+v", r)
			}
			_, err := w.svc.RecordAnswer(ctx, cc.SigningToken, consent.AnswerInput{Section: "risks", Question: "stop", Choice: 1})
			wantCode(t, "answering a right answer again", err, consent.ECONFLICT, "question")
			_, err = w.svc.RecordAnswer(ctx, cc.SigningToken, consent.AnswerInput{Section: "risks", Question: "drive", Choice: 2})
			wantCode(t, "a choice out of range", err, consent.EINVALID, "choice")
			_, err = w.svc.RecordAnswer(ctx, cc.SigningToken, consent.AnswerInput{Section: "overview", Question: "drive", Choice: 0})
			wantCode(t, "a question of another section", err, consent.EINVALID, "question")

			ps := patientSig()
			must[*consent.SignResult](t)(w.svc.Sign(w.admin, cc.Consent.ID, ps))
			in := staffSig(consent.RoleClinician, "dr")
			_, err = w.svc.Sign(w.admin, cc.Consent.ID, in)
			wantCode(t, "countersigning without the flagged section", err, consent.EINVALID, "discussed_sections")
			in.DiscussedSections = []string{"risks"}
			if required {
				_, err = w.svc.Sign(w.admin, cc.Consent.ID, in)
				wantCode(t, "countersigning with a question still wrong", err, consent.ECONFLICT, "teach_back")
				if err != nil && !strings.Contains(err.Error(), "risks/drive") {
					t.Errorf("the refusal does not name the open question: %v", err)
				}
				// After the discussion, the patient answers again on the tablet.
				if r := answer("drive", 1); !r.Attempt.Correct {
					t.Fatalf("answer after discussion: %+v", r)
				}
			}
			res := must[*consent.SignResult](t)(w.svc.Sign(w.admin, cc.Consent.ID, in))
			if diff := cmp.Diff([]string{"risks"}, res.Signature.DiscussedSections); diff != "" {
				t.Errorf("discussed sections (-want +got):\n%s", diff)
			}
			got := must[*consent.Consent](t)(w.store.Consents().FindConsentByID(w.admin, cc.Consent.ID))
			var seen []string
			for _, a := range got.Answers {
				seen = append(seen, a.QuestionKey+map[bool]string{true: "+", false: "-"}[a.Correct])
			}
			want := []string{"drive-", "drive-", "stop+"}
			if required {
				want = append(want, "drive+")
			}
			if diff := cmp.Diff(want, seen); diff != "" {
				t.Errorf("attempts kept (-want +got):\n%s", diff)
			}
			var n int
			for _, e := range w.events(cc.Consent.ID) {
				if e.Type == consent.EventAnswerRecorded {
					n++
					if _, ok := e.Details[consent.DetailRowDigests]; !ok {
						t.Errorf("answer event %d vouches for no row", e.Seq)
					}
				}
			}
			if n != len(want) {
				t.Errorf("%d answer events, want one per attempt (%d)", n, len(want))
			}
		})
	}
}
