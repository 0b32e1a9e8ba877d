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

// SummaryListOfFullLoad encodes a list in the summary view the way it was
// before the summary list had a load of its own: the full consents, listed
// (and audited) as the full view lists them, then summarised. Tests compare
// the two.
func (s *Server) SummaryListOfFullLoad(ctx context.Context, f consent.ConsentFilter) (json.RawMessage, error) {
	list, next, err := s.Service.ListConsentsView(ctx, f, consent.ViewFull)
	if err != nil {
		return nil, err
	}
	out := listResponse[json.RawMessage]{Data: []json.RawMessage{}, NextCursor: next}
	for _, c := range list {
		b, err := s.consentSummaryBytes(ctx, c, nil)
		if err != nil {
			return nil, err
		}
		out.Data = append(out.Data, b)
	}
	return json.Marshal(out)
}

// RawList exports rawList to the tests.
var RawList = rawList

// ListResponseBytes encodes a listResponse of items as the list handlers
// did before rawList: with json.Marshal.
func ListResponseBytes(items []json.RawMessage, next string) ([]byte, error) {
	if items == nil {
		items = []json.RawMessage{}
	}
	return json.Marshal(listResponse[json.RawMessage]{Data: items, NextCursor: next})
}
