package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// table holds rows of one table as generic column values, in column order.
type table struct {
	name string
	cols []string
	orig [][]any // as read
	rows [][]any // the copy being written
}

func (t *table) col(name string) int {
	for i, c := range t.cols {
		if c == name {
			return i
		}
	}
	panic("seed: table " + t.name + " has no column " + name)
}

func (t *table) int(name string, row int) int64 {
	v, _ := t.orig[row][t.col(name)].(int64)
	return v
}

func (t *table) insertSQL() string {
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", t.name, strings.Join(t.cols, ", "),
		strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", "))
}

// source is the signed consent every copy is made from.
type source struct {
	consent, signatures, acks, pdf *table
}

// loadSource reads the newest signed consent that has a PDF, with its parts.
func loadSource(ctx context.Context, db *sql.DB) (*source, error) {
	var id string
	err := db.QueryRowContext(ctx, `SELECT c.id FROM consents c JOIN pdfs p ON p.consent_id = c.id
		WHERE c.status = 'signed' ORDER BY c.created_at DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errors.New("no signed consent to copy: sign one first (e.g. consentd loadtest --n 10)")
	} else if err != nil {
		return nil, err
	}
	s := &source{}
	for _, t := range []struct {
		dst   **table
		name  string
		where string
	}{{&s.consent, "consents", "id"}, {&s.signatures, "signatures", "consent_id"}, {&s.acks, "acknowledgments", "consent_id"}, {&s.pdf, "pdfs", "consent_id"}} {
		if *t.dst, err = loadTable(ctx, db, t.name, t.where, id); err != nil {
			return nil, err
		}
	}
	if len(s.consent.rows) != 1 || len(s.pdf.rows) != 1 || len(s.signatures.rows) == 0 {
		return nil, fmt.Errorf("consent %s: unexpected shape (%d signatures, %d PDFs)", id, len(s.signatures.rows), len(s.pdf.rows))
	}
	return s, nil
}

func loadTable(ctx context.Context, db *sql.DB, name, col, id string) (*table, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT * FROM %s WHERE %s = ?", name, col), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &table{name: name}
	if t.cols, err = rows.Columns(); err != nil {
		return nil, err
	}
	for rows.Next() {
		vals := make([]any, len(t.cols))
		ptrs := make([]any, len(t.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		t.orig = append(t.orig, vals)
		t.rows = append(t.rows, append([]any(nil), vals...))
	}
	return t, rows.Err()
}

// slim shortens the copies' rendered texts and PDF bytes (see the package doc).
func (s *source) slim() error {
	i := s.consent.col("documents")
	raw, ok := s.consent.rows[0][i].(string)
	if !ok {
		return fmt.Errorf("documents column is %T, not text", s.consent.rows[0][i])
	}
	var docs any
	if err := json.Unmarshal([]byte(raw), &docs); err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	b, err := json.Marshal(shorten(docs))
	if err != nil {
		return err
	}
	s.consent.rows[0][i] = string(b)
	s.pdf.rows[0][s.pdf.col("bytes")] = []byte("%PDF-1.7\n% consentd seed placeholder: not a sealed PDF\n")
	return nil
}

// shorten cuts every string longer than 48 characters in a JSON value.
func shorten(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = shorten(e)
		}
	case []any:
		for k, e := range x {
			x[k] = shorten(e)
		}
	case string:
		if r := []rune(x); len(r) > 48 {
			return string(r[:48])
		}
	}
	return v
}

// newID is a ULID for time at, like the server's.
func newID(at time.Time) string {
	return ulid.MustNew(ulid.Timestamp(at), ulid.DefaultEntropy()).String()
}
