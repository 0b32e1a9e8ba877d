package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/consentd/consentd/consent"
)

// answerJSON is one teach-back answer attempt as the API shows it.
type answerJSON struct {
	Section  string `json:"section"`
	Question string `json:"question"`
	Locale   string `json:"locale"`
	Choice   int    `json:"choice"`
	Correct  bool   `json:"correct"`
	At       string `json:"at"`
	Channel  string `json:"channel"`
}

func toAnswerJSON(a *consent.AnswerAttempt) answerJSON {
	return answerJSON{Section: a.SectionKey, Question: a.QuestionKey, Locale: a.Locale, Choice: a.Choice,
		Correct: a.Correct, At: ts(a.At), Channel: a.Evidence.Channel}
}

func answersJSON(c *consent.Consent) []answerJSON {
	out := make([]answerJSON, 0, len(c.Answers))
	for i := range c.Answers {
		out = append(out, toAnswerJSON(&c.Answers[i]))
	}
	return out
}

// tabletDocument is a frozen document as the signing page gets it: its
// teach-back questions without the correct choice or the explanation, which
// the answer call returns, so the page cannot give the answer away.
func tabletDocument(d consent.Document) consent.Document {
	d = documentJSON(d)
	secs := make([]consent.DocumentSection, len(d.Sections))
	for i, s := range d.Sections {
		if len(s.Questions) > 0 {
			qs := make([]consent.Question, len(s.Questions))
			for j, q := range s.Questions {
				qs[j] = consent.Question{Key: q.Key, Question: q.Question, Choices: q.Choices}
			}
			s.Questions = qs
		}
		secs[i] = s
	}
	d.Sections = secs
	return d
}

type answerRequest struct {
	Section  string `json:"section"`
	Question string `json:"question"`
	Choice   *int   `json:"choice"`
	Locale   string `json:"locale"`
}

// answerResultJSON is the answer call's response: the attempt, and what
// the tablet does next.
type answerResultJSON struct {
	answerJSON
	Attempt int `json:"attempt"` // attempts on this question so far, this one included
	// Explanation is set when the answer was wrong.
	Explanation string `json:"explanation,omitempty"`
	// SectionFlagged is true once the section is to be discussed with the clinician.
	SectionFlagged bool `json:"section_flagged"`
}

func toAnswerResultJSON(r *consent.AnswerResult) answerResultJSON {
	return answerResultJSON{answerJSON: toAnswerJSON(r.Attempt), Attempt: r.Attempts, Explanation: r.Explanation,
		SectionFlagged: r.Flagged}
}

// answer records a teach-back answer attempt through the signing token.
func (s *Server) answer(c *gin.Context) {
	var req answerRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Choice == nil {
		s.fail(c, consent.FieldErrorf(consent.EINVALID, "choice", "is required (the index of the choice, 0 for the first)."))
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.AnswerResult, error) {
		return s.Service.RecordAnswer(ctx, c.Param("token"), consent.AnswerInput{Section: req.Section, Question: req.Question,
			Choice: *req.Choice, Locale: req.Locale})
	}, view(toAnswerResultJSON))
}
