package consent

// MaxSealedPDFBytes bounds a PDF accepted for verification. The largest
// consent consentd can seal (1 MiB of template text, the most one template
// version can carry through the API; four signers, three of them with
// different incompressible 512 KiB PNGs; 500 audit events on the evidence
// page) measured 2.6 MB; the cap leaves three times that, for fonts of other
// scripts and future growth (pdf.TestLargestConsentFitsVerifyCap keeps the
// margin at least 2×).
const MaxSealedPDFBytes = 8 << 20
