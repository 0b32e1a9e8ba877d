package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

type auditJSON struct {
	Seq       int64          `json:"seq"`
	Type      string         `json:"type"`
	At        string         `json:"at"`
	Actor     string         `json:"actor"`
	ConsentID string         `json:"consent_id,omitempty"`
	IP        string         `json:"ip"`
	UserAgent string         `json:"user_agent,omitempty"`
	DeviceID  string         `json:"device_id,omitempty"`
	Details   map[string]any `json:"details"`
	Hash      string         `json:"hash"`
	PrevHash  string         `json:"prev_hash"`
}

func toAuditJSON(e *consent.AuditEvent) auditJSON {
	d := e.Details
	if d == nil {
		d = map[string]any{}
	}
	return auditJSON{Seq: e.Seq, Type: e.Type, At: ts(e.At), Actor: e.Actor, ConsentID: e.ConsentID, IP: e.IP,
		UserAgent: e.UserAgent, DeviceID: e.DeviceID, Details: d, Hash: e.Hash, PrevHash: e.PrevHash}
}

// auditFilter parses type, since, cursor and limit.
func auditFilter(c *gin.Context) (consent.AuditFilter, error) {
	f := consent.AuditFilter{Type: c.Query("type")}
	limit, err := pageLimit(c)
	if err != nil {
		return f, err
	}
	f.Limit = limit
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return f, consent.FieldErrorf(consent.EINVALID, "since", "not an RFC 3339 time (e.g. 2026-11-25T09:44:00.123Z).")
		}
		f.Since = &t
	}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, consent.FieldErrorf(consent.EINVALID, "cursor", "not a cursor returned by this endpoint.")
		}
		f.AfterSeq = n
	}
	return f, nil
}

// writeAudit lists audit events; the read itself is audited.
func (s *Server) writeAudit(c *gin.Context, f consent.AuditFilter) {
	list, err := s.Service.ListAudit(c.Request.Context(), c.FullPath(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[auditJSON]{Data: []auditJSON{}}
	for _, e := range list {
		out.Data = append(out.Data, toAuditJSON(e))
	}
	if len(list) == f.Limit {
		out.NextCursor = strconv.FormatInt(list[len(list)-1].Seq, 10)
	}
	ok(c, http.StatusOK, out)
}

func (s *Server) listAudit(c *gin.Context) {
	f, err := auditFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeAudit(c, f)
}

func (s *Server) consentAudit(c *gin.Context) {
	f, err := auditFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f.ConsentID = c.Param("id")
	s.writeAudit(c, f)
}
