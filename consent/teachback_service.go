package consent

import (
	"context"
	"slices"
)

// AnswerInput is one answer to a teach-back question through a signing token.
type AnswerInput struct {
	Section  string
	Question string
	Choice   int
	Locale   string // "" for the consent's locale
}

// AnswerResult is a recorded attempt and what the tablet shows next.
type AnswerResult struct {
	Attempt     *AnswerAttempt
	Explanation string // set when the answer was wrong
	Attempts    int    // attempts on this question so far, this one included
	// Flagged is true once the section is to be discussed with the clinician.
	Flagged bool
}

// RecordAnswer records, with the server's time, the patient side's answer
// to a teach-back question, with an audit event bound to the stored attempt.
// A second wrong answer to a question flags its section for discussion with
// the clinician; the patient may continue. A question answered correctly is
// not asked again. Errors: EINVALID, ENOTFOUND, EGONE, ECONFLICT (answered
// correctly already, or too many attempts).
func (s *Service) RecordAnswer(ctx context.Context, token string, in AnswerInput) (*AnswerResult, error) {
	c, err := s.consentByToken(ctx, token)
	if err != nil {
		return nil, err
	} else if err := s.checkSignable(c); err != nil {
		return nil, err
	}
	locale, doc, err := signingDocument(c, in.Locale)
	if err != nil {
		return nil, err
	}
	q, err := findQuestion(doc, in.Section, in.Question)
	if err != nil {
		return nil, err
	} else if in.Choice < 0 || in.Choice >= len(q.Choices) {
		return nil, FieldErrorf(EINVALID, "choice", "must be the index of one of the %d choices (0 to %d).", len(q.Choices), len(q.Choices)-1)
	}
	return update(ctx, s, func(tx Tx) (*AnswerResult, error) {
		c, err := tx.Consents().FindConsentByID(ctx, c.ID)
		if err != nil {
			return nil, err
		} else if err := s.checkSignable(c); err != nil {
			return nil, err
		}
		n := 0
		for _, a := range c.Answers {
			if a.SectionKey != in.Section || a.QuestionKey != in.Question {
				continue
			} else if a.Correct {
				return nil, FieldErrorf(ECONFLICT, "question", "this question was already answered correctly.")
			}
			n++
		}
		if n >= maxAnswerAttempts {
			return nil, FieldErrorf(ECONFLICT, "question", "this question has been answered %d times; please ask the clinician.", n)
		}
		before := len(c.FlaggedSections())
		a := &AnswerAttempt{ConsentID: c.ID, SectionKey: in.Section, QuestionKey: in.Question, Locale: locale,
			Choice: in.Choice, Correct: in.Choice == q.CorrectIndex(), At: s.now(), Evidence: RequestFrom(ctx).evidence()}
		if err := tx.Consents().CreateAnswerAttempt(ctx, a); err != nil {
			return nil, err
		}
		c.Answers = append(c.Answers, *a)
		res := &AnswerResult{Attempt: a, Attempts: n + 1}
		flagged := c.FlaggedSections()
		res.Flagged = slices.Contains(flagged, in.Section)
		if !a.Correct {
			res.Explanation = q.Explanation
		}
		d := map[string]any{"section": in.Section, "question": in.Question, "locale": locale, "choice": in.Choice,
			"correct": a.Correct, "attempt": n + 1}
		if len(flagged) > before {
			d["flagged_for_discussion"] = true
		}
		return res, tx.Audit().AppendAudit(ctx, s.event(ctx, EventAnswerRecorded, c.ID, d, a))
	})
}

// findQuestion returns a question of a document's section.
func findQuestion(d Document, section, question string) (Question, error) {
	for _, s := range d.Sections {
		if s.Key != section {
			continue
		}
		for _, q := range s.Questions {
			if q.Key == question {
				return q, nil
			}
		}
		return Question{}, FieldErrorf(EINVALID, "question", "section %q has no question %q.", section, question)
	}
	return Question{}, FieldErrorf(EINVALID, "section", "no section %q in this consent.", section)
}
