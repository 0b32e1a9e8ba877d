package consent

import (
	"context"
	"strings"
	"time"
)

// checkStaff authenticates a clinician, witness or interpreter by staff ID and
// PIN (two components). Wrong PINs are audited and limited twice, in the
// database: per staff member and place (an enrolled device, an API key, or an
// unenrolled tablet's signing session), so a lock-out on one tablet never
// stops the clinician elsewhere; and per staff member everywhere, a ceiling
// that alerts and then admits only enrolled devices and API keys.
func (s *Service) checkStaff(ctx context.Context, c *Consent, in SignInput, sig *Signature) error {
	if err := checkStaffInput(in.Role, in.StaffID, in.StaffPIN); err != nil {
		return err
	} else if in.Relationship != "" || len(in.AcknowledgedSections) > 0 {
		return FieldErrorf(EINVALID, "role", "relationship and acknowledged sections belong to the patient side.")
	}
	st, err := s.pinAttempt(ctx, c, in.Role, in.StaffID, in.StaffPIN)
	if err != nil {
		return err
	} else if err := staffMaySign(st, in.Role); err != nil {
		return err
	}
	if in.Role == RoleClinician && !in.IdentityVerified {
		return FieldErrorf(EINVALID, "identity_verified", "the clinician must confirm that the patient's identity was checked.")
	}
	sig.Name, sig.StaffID, sig.IdentityVerified = st.Name, st.ID, in.IdentityVerified
	return nil
}

// checkStaffInput checks a staff ID and PIN are given and bounded.
func checkStaffInput(role, staffID, pin string) error {
	switch {
	case staffID == "":
		return FieldErrorf(EINVALID, "staff.id", "a %s signs with their staff ID and PIN.", role)
	case pin == "":
		return FieldErrorf(EINVALID, "staff.pin", "a %s signs with their staff ID and PIN.", role)
	case len(staffID) > 64 || len(pin) > 64:
		return FieldErrorf(EINVALID, "staff", "staff ID and PIN are at most 64 characters.")
	}
	return nil
}

// staffMaySign refuses a staff member registered for another role; anyone on
// staff may witness.
func staffMaySign(st *Staff, role string) error {
	if st.Role != role && role != RoleWitness {
		return FieldErrorf(EINVALID, "role", "staff member %s is registered as %s, not %s.", st.ID, st.Role, role)
	}
	return nil
}

// pinPlace names where a PIN is typed, for the per-place limit, and whether
// that place is trusted past the per-staff ceiling: an enrolled device or an
// API key (both issued by an admin) are; an unenrolled tablet's signing
// session is not.
func pinPlace(r Request, consentID string) (place string, trusted bool) {
	switch {
	case r.Device != "":
		return "device:" + r.Device, true
	case strings.HasPrefix(r.Actor, "apikey:"):
		return r.Actor, true
	}
	return "consent:" + consentID, false
}

// pinAttempt checks a staff PIN within the limits and returns the active
// staff member it belongs to. Only wrong PINs are counted, so any number of
// right PINs may be checked at once (an EHR countersigning in parallel). A
// PIN is checked only while its place (and, from unenrolled places, the staff
// member) is under its limit, and a right PIN is refused as well when wrong
// ones checked in parallel used up the limit meanwhile: parallel guesses then
// learn no more than the limit's worth of sequential ones. Errors: EINVALID
// (wrong staff ID or PIN), ERATELIMITED (a limit reached; RetryAfter says
// until when).
func (s *Service) pinAttempt(ctx context.Context, c *Consent, role, staffID, pin string) (*Staff, error) {
	lim, now := s.limits(), s.now()
	place, trusted := pinPlace(RequestFrom(ctx), c.ID)
	atPlace := lim.PINPerDevice.add(staffID+"|"+place, now, 1)
	overall := lim.PINPerStaff.add(staffID, now, 1)
	refused := func(nPlace, nStaff int) error {
		if nPlace >= lim.PINPerDevice.Max {
			return RateLimitedf(atPlace.Expires.Sub(now), "staff.pin",
				"too many wrong PINs for this staff ID here; try again in %s, or sign on another enrolled tablet.", minutes(atPlace.Expires.Sub(now)))
		} else if nStaff >= lim.PINPerStaff.Max && !trusted {
			return RateLimitedf(overall.Expires.Sub(now), "staff.pin",
				"too many wrong PINs for this staff ID today; sign on an enrolled tablet or through the clinic's system, or try again in %s.",
				minutes(overall.Expires.Sub(now)))
		}
		return nil
	}
	counts := func() (int, int, error) {
		nPlace, err := s.Store.Counters().CounterValue(ctx, atPlace.Key)
		if err != nil {
			return 0, 0, err
		}
		nStaff, err := s.Store.Counters().CounterValue(ctx, overall.Key)
		return nPlace, nStaff, err
	}
	nPlace, nStaff, err := counts()
	if err != nil {
		return nil, err
	} else if err := refused(nPlace, nStaff); err != nil {
		return nil, err
	}
	st, err := s.Store.Access().FindStaff(ctx, staffID)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	// An unknown or deactivated ID costs one comparison of the same cost as a
	// real one, so timing does not reveal which staff IDs exist.
	hash := s.dummyPINHash()
	if err == nil {
		hash = st.PINHash
	}
	if s.PINs.Compare(hash, pin) && err == nil && st.DeactivatedAt == nil {
		if nPlace, nStaff, err = counts(); err != nil {
			return nil, err
		} else if err := refused(nPlace, nStaff); err != nil {
			return nil, err
		}
		return st, nil
	}
	n, err := s.Store.Counters().UpdateCounters(ctx, atPlace, overall)
	if err != nil {
		return nil, err
	}
	nPlace, nStaff = n[0], n[1]
	ev := s.event(ctx, EventStaffAuthFailed, c.ID, map[string]any{"staff_id": staffID, "role": role, "place_failures": nPlace})
	if err := s.Store.Audit().AppendAuditEvents(ctx, ev); err != nil {
		return nil, err
	}
	if nStaff == lim.PINPerStaff.Max {
		if err := s.alertPINCeiling(ctx, staffID, nStaff, overall.Key.Window, overall.Expires); err != nil {
			return nil, err
		}
	}
	// Wrong PINs checked in parallel beyond the limit answer as the limit does.
	if err := refused(nPlace-1, nStaff-1); err != nil {
		return nil, err
	}
	return nil, FieldErrorf(EINVALID, "staff.pin", "wrong staff ID or PIN.")
}

// alertPINCeiling records, and tells the clinic's systems, that a staff
// member's PIN was guessed wrong as often as the ceiling allows.
func (s *Service) alertPINCeiling(ctx context.Context, staffID string, failures int, from, until time.Time) error {
	details := map[string]any{"staff_id": staffID, "failures": failures, "window_start": FormatTime(from),
		"window_end": FormatTime(until)}
	return s.Store.Update(ctx, func(tx Tx) error {
		if err := tx.Audit().AppendAudit(ctx, s.event(ctx, EventStaffPINAttempts, "", details)); err != nil {
			return err
		}
		return s.notifyData(ctx, tx.Webhooks(), EventStaffPINAttempts, details)
	})
}

// dummyPINHash is a hash of a random PIN made with the service's hasher (so
// with the same cost), compared against when a staff ID is unknown.
func (s *Service) dummyPINHash() string {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = s.PINs.Hash(randomToken(12))
	})
	return s.dummyHash
}

// minutes says a wait in whole minutes for a message, rounded up.
func minutes(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "a minute"
	}
	return itoa(int64(m)) + " minutes"
}
