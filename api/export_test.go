package api

import (
	"context"
	"encoding/json"

	"github.com/consentd/consentd/consent"
)

// SummaryOfFullLoad encodes consent id's summary view the way it was before
// the summary had a load of its own: the full consent, read (and audited)
// as the full view reads it, then summarised. Tests compare the two.
func (s *Server) SummaryOfFullLoad(ctx context.Context, id string) (json.RawMessage, error) {
	c, err := s.Service.ReadConsent(ctx, id, consent.ViewFull)
	if err != nil {
		return nil, err
	}
	return s.consentSummaryBytes(ctx, c, nil)
}
