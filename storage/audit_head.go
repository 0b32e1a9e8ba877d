package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/atomicfile"
)

// headFile is where the authenticated audit head lives, outside the database,
// so that deleting the chain's tail from the database is detectable.
const headFile = "audit-head.json"

type headJSON struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	MAC  string `json:"mac"`
}

// LastAuditHead returns the authenticated head kept outside the database, or
// nil if no event was ever appended.
func (db *DB) LastAuditHead(ctx context.Context) (*consent.AuditHead, error) {
	b, err := os.ReadFile(filepath.Join(db.dataDir, headFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("storage: read audit head: %w", err)
	}
	var h headJSON
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("storage: audit head file is corrupt: %w", err)
	}
	return &consent.AuditHead{Seq: h.Seq, Hash: h.Hash, MAC: h.MAC}, nil
}

// advanceHead records a committed head if it is newer than the one written.
// The commit has already happened, so a failure is not the caller's: it is
// kept for Ping (readiness) and retried by the next commit.
func (db *DB) advanceHead(h consent.AuditHead) {
	db.headMu.Lock()
	defer db.headMu.Unlock()
	if h.Seq <= db.headSeq || (db.headPending != nil && h.Seq <= db.headPending.Seq) {
		return
	}
	db.headPending = &h
	if db.headWriting {
		return // the caller writing now writes the newest pending head before it stops
	}
	// Concurrent commits coalesce: one caller writes (and fsyncs) the newest
	// head while the others return; a head older than the chain is still true.
	db.headWriting = true
	for db.headPending != nil {
		p := *db.headPending
		db.headPending = nil
		db.headMu.Unlock()
		err := atomicfile.Write(filepath.Join(db.dataDir, headFile), []byte(mustJSON(headJSON(p))))
		db.headMu.Lock()
		if err != nil {
			db.headErr = fmt.Errorf("storage: write audit head: %w", err)
		} else if p.Seq > db.headSeq {
			db.headSeq, db.headErr = p.Seq, nil
		}
	}
	db.headWriting = false
}
