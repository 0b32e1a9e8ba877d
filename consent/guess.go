package consent

import "context"

// Signing guesses — unknown signing codes, signing tokens and device tokens —
// are counted per enrolled device, or per IP for other clients, in the
// database, so a tablet that mistypes codes never blocks an enrolled one and
// several server processes share one count.

// guessSubject names who is guessing: the enrolled device, else the IP.
func guessSubject(r Request) string {
	if r.Device != "" {
		return "device:" + r.Device
	}
	return "ip:" + r.IP
}

func (s *Service) guessRefused(ctx context.Context, u CounterUpdate) error {
	return RateLimitedf(u.Expires.Sub(s.now()), "", "Too many unknown signing codes or links from this device. Please wait %s and try again.",
		minutes(u.Expires.Sub(s.now())))
}

// checkGuesses refuses a client that has used up its guesses (ERATELIMITED).
// Used for signing tokens, whose 256 bits make guessing hopeless: the limit
// bounds audit-log flooding, so a read suffices.
func (s *Service) checkGuesses(ctx context.Context) error {
	l := s.limits().SigningGuesses
	u := l.add(guessSubject(RequestFrom(ctx)), s.now(), 1)
	n, err := s.Store.Counters().CounterValue(ctx, u.Key)
	if err != nil {
		return err
	} else if n >= l.Max {
		return s.guessRefused(ctx, u)
	}
	return nil
}

// countGuess records one failed guess.
func (s *Service) countGuess(ctx context.Context) error {
	_, err := s.Store.Counters().UpdateCounters(ctx, s.limits().SigningGuesses.add(guessSubject(RequestFrom(ctx)), s.now(), 1))
	return err
}

// reserveGuess counts a guess before it is checked (ERATELIMITED past the
// limit), so parallel requests cannot exceed it; releaseGuess gives the
// reservation back when the guess was right. Used for 40-bit signing codes.
func (s *Service) reserveGuess(ctx context.Context) error {
	l := s.limits().SigningGuesses
	u := l.add(guessSubject(RequestFrom(ctx)), s.now(), 1)
	n, err := s.Store.Counters().UpdateCounters(ctx, u)
	if err != nil {
		return err
	} else if n[0] > l.Max {
		return s.guessRefused(ctx, u)
	}
	return nil
}

func (s *Service) releaseGuess(ctx context.Context) error {
	_, err := s.Store.Counters().UpdateCounters(ctx, s.limits().SigningGuesses.add(guessSubject(RequestFrom(ctx)), s.now(), -1))
	return err
}
