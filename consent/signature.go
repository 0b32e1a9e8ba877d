package consent

import "time"

// Signer roles.
const (
	RolePatient        = "patient"
	RoleRepresentative = "representative"
	RoleWitness        = "witness"
	RoleClinician      = "clinician"
	RoleInterpreter    = "interpreter"
)

// Roles lists every signer role.
var Roles = []string{RolePatient, RoleRepresentative, RoleWitness, RoleClinician, RoleInterpreter}

// StaffRoles are the roles whose signer must be an authenticated staff member.
var StaffRoles = []string{RoleWitness, RoleClinician, RoleInterpreter}

// Signature channels.
const (
	ChannelAPI    = "api"
	ChannelTablet = "tablet"
)

// Signature is one signer's signature on a consent. It is written once and
// never changed.
type Signature struct {
	ID               string
	ConsentID        string
	Role             string
	Name             string
	Relationship     string // representative only
	Locale           string
	Meaning          string    // the role's meaning statement in Locale (21 CFR 11.50)
	SignedAt         time.Time // server clock, UTC, millisecond precision
	Mark             Mark
	StaffID          string // clinician, witness, interpreter
	IdentityVerified bool   // clinician attests the patient's identity was checked
	// ElectronicRecordsConsentAt is when the signer agreed to electronic records
	// after being shown the disclosure (patient side).
	ElectronicRecordsConsentAt *time.Time
	Acknowledged               []string // section keys acknowledged (patient side)
	// DiscussedSections are the sections the clinician attests they discussed
	// with the patient (teach-back flags); it covers every flagged section.
	DiscussedSections []string
	Evidence          Evidence
}

// Mark is the visible signature: drawn strokes, a PNG image or a typed name.
type Mark struct {
	Type    string // drawn | image | typed
	Width   int    // drawn: canvas size the points refer to
	Height  int
	Strokes [][]Point
	PNG     []byte
	Text    string
}

// Point is one sample of a drawn stroke; T is milliseconds since the first point.
type Point struct {
	X, Y float64
	T    int64
}

// Evidence records how and by whom a signature or acknowledgment was submitted.
type Evidence struct {
	Channel    string // api | tablet
	IP         string
	UserAgent  string
	DeviceID   string
	Actor      string // e.g. "apikey:<id>" or "token:<consent id>"
	ClientTime string // time the client claimed, recorded but never trusted
}

// Acknowledgment records that the patient side acknowledged a section, and when
// (server clock).
type Acknowledgment struct {
	ID         int64 // the store's number for it, set when it is stored
	ConsentID  string
	SectionKey string
	Locale     string
	At         time.Time
	Evidence   Evidence
}
