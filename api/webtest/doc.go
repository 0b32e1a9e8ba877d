// Package webtest holds the real-browser (headless Chromium) tests of the
// front-desk tablet pages that api serves from api/web: kiosk start, reading
// and acknowledging, drawing a signature, hand-over to the clinician, device
// enrolment and the edge cases. It has no code of its own; it lives outside
// api/web because that directory is embedded whole into the binary.
package webtest
