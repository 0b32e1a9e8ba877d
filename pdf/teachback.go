package pdf

import (
	"strings"

	"github.com/consentd/consentd/consent"
)

// teachBackText holds the evidence page's teach-back texts in one language.
type teachBackText struct {
	Heading, Intro, Right, Wrong, Flagged, Discussed, Choice string
}

var teachBackTexts = map[string]teachBackText{
	"en": {Heading: "Teach-back answers",
		Intro: "Every answer the patient gave to the questions that check understanding, in order, with the server's time.",
		Right: "correct", Wrong: "not correct", Flagged: "Flagged to discuss with the clinician",
		Discussed: "Discussed with the patient", Choice: "Answer"},
	"es": {Heading: "Respuestas de comprensión",
		Intro: "Cada respuesta que dio el paciente a las preguntas que comprueban la comprensión, en orden, con la hora del servidor.",
		Right: "correcta", Wrong: "no correcta", Flagged: "Marcada para hablar con el profesional sanitario",
		Discussed: "Hablado con el paciente", Choice: "Respuesta"},
}

func teachBackTextFor(locale string) teachBackText {
	lang, _, _ := strings.Cut(strings.ToLower(locale), "-")
	if t, ok := teachBackTexts[lang]; ok {
		return t
	}
	return teachBackTexts["en"]
}

// teachBack lists on the evidence page every teach-back answer attempt
// (time, section, question, the choice given, right or not), then the
// sections flagged for discussion and who recorded discussing them. A
// consent without questions prints nothing.
func (d *doc) teachBack() {
	if len(d.c.Answers) == 0 && !d.d.HasQuestions() {
		return
	}
	t := teachBackTextFor(d.c.Locale)
	d.sectionHeading(t.Heading)
	d.color(colorText)
	const labelW, size, lead = 40.0, 8.5, 4.3
	d.write([]span{{text: t.Intro}}, marginLeft, contentWidth, size, lead)
	d.space(2)
	for i := range d.c.Answers {
		if d.err != nil {
			return
		}
		a := &d.c.Answers[i]
		heading, question, choice := d.answerTexts(a)
		result := t.Wrong
		if a.Correct {
			result = t.Right
		}
		value := heading + " — " + question + " — " + t.Choice + ": " + choice + " (" + result + ")"
		d.ensure(d.rowHeight([2]string{utcTime(a.At), value}, labelW, contentWidth, size, lead))
		d.row([2]string{utcTime(a.At), value}, false, marginLeft, labelW, contentWidth, size, lead)
		d.space(0.8)
	}
	if flagged := d.c.FlaggedSections(); len(flagged) > 0 {
		d.space(1)
		d.row([2]string{t.Flagged, d.sectionHeadings(flagged)}, false, marginLeft, labelW, contentWidth, size, lead)
		d.space(0.8)
	}
	for _, s := range d.c.Signatures {
		if len(s.DiscussedSections) > 0 {
			d.row([2]string{t.Discussed, d.sectionHeadings(s.DiscussedSections) + " — " + s.Name + " (" + s.StaffID + "), " +
				utcTime(s.SignedAt)}, false, marginLeft, labelW, contentWidth, size, lead)
			d.space(0.8)
		}
	}
	d.space(2)
}

// answerTexts returns an attempt's section heading, question and choice
// as the patient read them (in the attempt's locale).
func (d *doc) answerTexts(a *consent.AnswerAttempt) (heading, question, choice string) {
	heading, question, choice = a.SectionKey, a.QuestionKey, itoa(a.Choice+1)
	doc, ok := d.c.Documents[a.Locale]
	if !ok {
		doc = d.d
	}
	for _, s := range doc.Sections {
		if s.Key != a.SectionKey {
			continue
		}
		heading = s.Heading
		for _, q := range s.Questions {
			if q.Key == a.QuestionKey {
				question = q.Question
				if a.Choice >= 0 && a.Choice < len(q.Choices) {
					choice = q.Choices[a.Choice]
				}
			}
		}
	}
	return heading, question, choice
}

// sectionHeadings names sections by their headings in the document's locale.
func (d *doc) sectionHeadings(keys []string) string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		name := k
		for _, s := range d.d.Sections {
			if s.Key == k {
				name = s.Heading
			}
		}
		out = append(out, name)
	}
	return strings.Join(out, "; ")
}
