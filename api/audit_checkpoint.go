package api

import (
	"net/http"
	"strconv"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// listAuditCheckpoints serves the signed audit checkpoints, oldest first,
// paged like the audit trail: next_cursor is the last seq of the page. An
// integration that keeps them can later prove the log was cut short or
// rewritten (consentd audit verify --checkpoints). Each read is audited
// (audit.read), as reads of the events are.
func (s *Server) listAuditCheckpoints(c *gin.Context) {
	limit, err := pageLimit(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var after int64
	if v := c.Query("cursor"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			s.fail(c, consent.FieldErrorf(consent.EINVALID, "cursor", "not a cursor returned by this endpoint."))
			return
		}
	}
	list, err := s.Service.ListAuditCheckpoints(c.Request.Context(), c.FullPath(), after, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[*consent.AuditCheckpoint]{Data: list}
	if out.Data == nil {
		out.Data = []*consent.AuditCheckpoint{}
	}
	if len(list) == limit {
		out.NextCursor = strconv.FormatInt(list[len(list)-1].Seq, 10)
	}
	ok(c, http.StatusOK, out)
}
