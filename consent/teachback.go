package consent

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TeachBackRequired is the version content flag that makes the clinician's
// countersignature wait until every teach-back question of the consent has
// been answered correctly (after discussion, where the patient needed it).
const TeachBackRequired = "required"

// Bounds of a teach-back question.
const (
	minChoices        = 2
	maxChoices        = 4
	maxQuestions      = 10 // per section
	maxQuestionText   = 500
	maxChoiceText     = 200
	maxExplanation    = 1000
	wrongAnswersFlag  = 2  // the wrong answer on a question that flags its section
	maxAnswerAttempts = 10 // per question: a tablet asks twice, then at hand-over
)

// Question is a teach-back question on a section, in one locale: it checks
// that the patient understood the text. Correct is the 0-based index of the
// one correct choice; every locale asks the same questions (same keys, same
// number of choices, same correct index). It is a pointer so that a question
// sent without it is refused rather than read as "the first choice".
type Question struct {
	Key         string   `json:"key" yaml:"key"`
	Question    string   `json:"question" yaml:"question"`
	Choices     []string `json:"choices" yaml:"choices"`
	Correct     *int     `json:"correct,omitempty" yaml:"correct"`
	Explanation string   `json:"explanation,omitempty" yaml:"explanation"` // shown after a wrong answer; points back to the text
}

// CorrectIndex returns the correct choice's index (-1 when unset).
func (q Question) CorrectIndex() int {
	if q.Correct == nil {
		return -1
	}
	return *q.Correct
}

// canonicalQuestions is a section's questions as hashed.
func canonicalQuestions(qs []Question) []any {
	out := make([]any, 0, len(qs))
	for _, q := range qs {
		out = append(out, map[string]any{"key": q.Key, "question": q.Question, "choices": nonNil(q.Choices),
			"correct": q.CorrectIndex(), "explanation": q.Explanation})
	}
	return out
}

// fillQuestions returns a section's questions with the consent's values filled in.
func fillQuestions(qs []Question, vals map[string]string) []Question {
	if len(qs) == 0 {
		return nil
	}
	out := make([]Question, 0, len(qs))
	for _, q := range qs {
		c := q.CorrectIndex()
		fq := Question{Key: q.Key, Question: fill(q.Question, vals, false), Correct: &c,
			Explanation: fill(q.Explanation, vals, false)}
		for _, ch := range q.Choices {
			fq.Choices = append(fq.Choices, fill(ch, vals, false))
		}
		out = append(out, fq)
	}
	return out
}

// validateQuestions checks one section's questions in one locale.
func validateQuestions(f string, qs []Question, declared map[string]bool) error {
	if len(qs) > maxQuestions {
		return FieldErrorf(EINVALID, f, "at most %d questions per section.", maxQuestions)
	}
	keys := map[string]bool{}
	for i, q := range qs {
		qf := fmt.Sprintf("%s[%d]", f, i)
		if !keyPattern.MatchString(q.Key) {
			return FieldErrorf(EINVALID, qf+".key", "must be lowercase letters, digits and underscores, starting with a letter.")
		} else if keys[q.Key] {
			return FieldErrorf(EINVALID, qf+".key", "duplicate question key %q.", q.Key)
		} else if err := checkTemplateText(qf+".question", q.Question, maxQuestionText, declared); err != nil {
			return err
		} else if err := checkTemplateText(qf+".explanation", q.Explanation, maxExplanation, declared); err != nil {
			return err
		} else if len(q.Choices) < minChoices || len(q.Choices) > maxChoices {
			return FieldErrorf(EINVALID, qf+".choices", "a question has %d to %d choices (it has %d).", minChoices, maxChoices, len(q.Choices))
		}
		keys[q.Key] = true
		for j, ch := range q.Choices {
			if err := checkTemplateText(fmt.Sprintf("%s.choices[%d]", qf, j), ch, maxChoiceText, declared); err != nil {
				return err
			} else if slices.Index(q.Choices, ch) != j {
				return FieldErrorf(EINVALID, fmt.Sprintf("%s.choices[%d]", qf, j), "the same choice twice; exactly one choice may be correct.")
			}
		}
		if q.Correct == nil {
			return FieldErrorf(EINVALID, qf+".correct", "the index of the one correct choice is required (0 for the first).")
		} else if c := *q.Correct; c < 0 || c >= len(q.Choices) {
			return FieldErrorf(EINVALID, qf+".correct", "must be the index of one of the %d choices (0 to %d).", len(q.Choices), len(q.Choices)-1)
		}
	}
	return nil
}

// sameQuestions checks that a locale asks what the first locale asks.
func sameQuestions(f string, qs, first []Question, firstCode string) error {
	if len(qs) != len(first) {
		return FieldErrorf(EINVALID, f, "has %d questions but locale %s has %d; every locale asks the same questions.", len(qs), firstCode, len(first))
	}
	for i, q := range qs {
		if q.Key != first[i].Key || len(q.Choices) != len(first[i].Choices) || q.CorrectIndex() != first[i].CorrectIndex() {
			return FieldErrorf(EINVALID, fmt.Sprintf("%s[%d]", f, i),
				"key, number of choices and correct choice must match locale %s (%q).", firstCode, first[i].Key)
		}
	}
	return nil
}

// AnswerAttempt is one answer the patient side gave to a teach-back
// question, at the server's time. Every attempt is kept: it is evidence of
// what the patient understood and when.
type AnswerAttempt struct {
	ID          int64 // the store's number for it, set when it is stored
	ConsentID   string
	SectionKey  string
	QuestionKey string
	Locale      string
	Choice      int // 0-based index of the choice given
	Correct     bool
	At          time.Time
	Evidence    Evidence
}

// RowRef returns the attempt's row, named by the number the store gave it.
func (a *AnswerAttempt) RowRef() RowRef {
	return RowRef{Table: TableAnswerAttempts, ID: strconv.FormatInt(a.ID, 10)}
}

// RowContent returns the question, the choice, whether it was right, when, and the evidence.
func (a *AnswerAttempt) RowContent() map[string]any {
	return map[string]any{"id": strconv.FormatInt(a.ID, 10), "consent_id": a.ConsentID, "section_key": a.SectionKey,
		"question_key": a.QuestionKey, "locale": a.Locale, "choice": a.Choice, "correct": a.Correct,
		"at": rowTime(a.At), "evidence": a.Evidence.rowContent()}
}

// questionRef names a question within a consent.
type questionRef struct{ section, question string }

// FlaggedSections returns, in document order, the sections the patient
// should discuss with the clinician: those with a question answered wrongly
// twice. A flag stays once raised (a later right answer does not undo the
// need to talk), so the countersignature must record the discussion.
func (c *Consent) FlaggedSections() []string {
	wrong := map[questionRef]int{}
	flagged := map[string]bool{}
	for _, a := range c.Answers {
		if !a.Correct {
			r := questionRef{a.SectionKey, a.QuestionKey}
			if wrong[r]++; wrong[r] >= wrongAnswersFlag {
				flagged[a.SectionKey] = true
			}
		}
	}
	out := []string{}
	for _, s := range c.Document().Sections {
		if flagged[s.Key] {
			out = append(out, s.Key)
		}
	}
	return out
}

// UnansweredQuestions returns, in document order, the questions of the
// consent's document without a correct answer yet, as "section/question".
func (c *Consent) UnansweredQuestions() []string {
	right := map[questionRef]bool{}
	for _, a := range c.Answers {
		if a.Correct {
			right[questionRef{a.SectionKey, a.QuestionKey}] = true
		}
	}
	out := []string{}
	for _, s := range c.Document().Sections {
		for _, q := range s.Questions {
			if !right[questionRef{s.Key, q.Key}] {
				out = append(out, s.Key+"/"+q.Key)
			}
		}
	}
	return out
}

// HasQuestions reports whether the consent's document asks any teach-back question.
func (d Document) HasQuestions() bool {
	return slices.ContainsFunc(d.Sections, func(s DocumentSection) bool { return len(s.Questions) > 0 })
}

// checkTeachBack applies the teach-back rules to a signature: only a
// clinician records discussed sections, and their countersignature records
// every flagged one; a version with teach_back: required takes the
// countersignature only once every question was answered correctly.
func checkTeachBack(c *Consent, v *TemplateVersion, doc Document, in SignInput, sig *Signature) error {
	if in.Role != RoleClinician {
		if len(in.DiscussedSections) > 0 {
			return FieldErrorf(EINVALID, "discussed_sections", "only the clinician's countersignature records discussed sections.")
		}
		return nil
	}
	for i, key := range in.DiscussedSections {
		field := fmt.Sprintf("discussed_sections[%d]", i)
		if !containsSection(doc, key) {
			return FieldErrorf(EINVALID, field, "no section %q in this consent.", key)
		} else if slices.Index(in.DiscussedSections, key) != i {
			return FieldErrorf(EINVALID, field, "section %q is listed twice.", key)
		}
	}
	for _, key := range c.FlaggedSections() {
		if !slices.Contains(in.DiscussedSections, key) {
			return FieldErrorf(EINVALID, "discussed_sections",
				"section %q was flagged by the patient's answers; discuss it with the patient and list it in discussed_sections.", key)
		}
	}
	if v.TeachBack == TeachBackRequired {
		if open := c.UnansweredQuestions(); len(open) > 0 {
			return FieldErrorf(ECONFLICT, "teach_back",
				"this consent needs every teach-back question answered correctly before the clinician countersigns; %d still open (%s). After discussing them, let the patient answer again on the tablet.",
				len(open), strings.Join(open, ", "))
		}
	}
	sig.DiscussedSections = slices.Clone(in.DiscussedSections)
	return nil
}
