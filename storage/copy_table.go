package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// copyTable streams one table from the snapshot into the target with COPY
// (the fastest way into PostgreSQL; only INSERT triggers fire, and consentd
// has none, so the append-only triggers stay in force throughout), folding
// every row into d as it goes.
func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, table string, d *tableDigest, m *meter) error {
	names, convs, err := tableColumns(ctx, src, dst, table)
	if err != nil {
		return err
	}
	rows, err := src.QueryContext(ctx, "SELECT "+columnList(names)+" FROM "+quoteIdent(table))
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	s := &copySource{table: table, names: names, rows: rows, convs: convs, digest: d, meter: m,
		raw: make([]any, len(names)), ptrs: make([]any, len(names)), vals: make([]any, len(names))}
	for i := range s.raw {
		s.ptrs[i] = &s.raw[i]
	}
	m.table(table)
	n, err := dst.CopyFrom(ctx, pgx.Identifier{table}, names, s)
	if err != nil {
		return fmt.Errorf("copy %s (after %d rows): %w", table, d.rows, err)
	}
	if n != d.rows {
		return fmt.Errorf("copy %s: PostgreSQL took %d rows of %d", table, n, d.rows)
	}
	return nil
}

// tableColumns returns a table's columns in the target's order with the
// conversion of each, after checking that both sides have the same ones.
func tableColumns(ctx context.Context, src queryer, dst pgQueryer, table string) ([]string, []func(any) (any, error), error) {
	srcCols, err := sqliteColumns(ctx, src, table)
	if err != nil {
		return nil, nil, fmt.Errorf("read the SQLite columns of %s: %w", table, err)
	}
	dstCols, err := postgresColumns(ctx, dst, table)
	if err != nil {
		return nil, nil, fmt.Errorf("read the PostgreSQL columns of %s: %w", table, err)
	}
	if err := matchColumns(table, srcCols, dstCols); err != nil {
		return nil, nil, err
	}
	names := make([]string, len(dstCols))
	convs := make([]func(any) (any, error), len(dstCols))
	for i, c := range dstCols {
		names[i], convs[i] = c.Name, converters[c.PGType]
	}
	return names, convs, nil
}

// copySource feeds SQLite rows to pgx's COPY, converted to the target's
// types, and digests them as read.
type copySource struct {
	table           string
	names           []string
	rows            *sql.Rows
	convs           []func(any) (any, error)
	raw, ptrs, vals []any
	digest          *tableDigest
	meter           *meter
	err             error
}

func (s *copySource) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		s.err = err
		return false
	}
	for i, v := range s.raw {
		c, err := s.convs[i](v)
		if err != nil {
			s.err = fmt.Errorf("%s.%s of row %d: %w", s.table, s.names[i], s.digest.rows+1, err)
			return false
		}
		s.vals[i] = c
	}
	if err := s.digest.add(s.raw); err != nil {
		s.err = err
		return false
	}
	var size int64
	for _, v := range s.raw {
		switch x := v.(type) {
		case string:
			size += int64(len(x))
		case []byte:
			size += int64(len(x))
		default:
			size += 8
		}
	}
	s.meter.add(1, size)
	return true
}

func (s *copySource) Values() ([]any, error) { return s.vals, nil }

func (s *copySource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rows.Err()
}

// meter reports progress at most once per interval.
type meter struct {
	mu    sync.Mutex
	fn    func(CopyProgress)
	every time.Duration
	start time.Time
	last  time.Time
	p     CopyProgress
}

func newMeter(fn func(CopyProgress), every time.Duration, sizes map[string]tableSize) *meter {
	if every <= 0 {
		every = time.Second
	}
	var p CopyProgress
	for _, s := range sizes {
		p.Total += s.rows
		p.TotalBytes += s.bytes
	}
	now := time.Now()
	return &meter{fn: fn, every: every, start: now, last: now, p: p}
}

func (m *meter) table(name string) {
	m.mu.Lock()
	m.p.Table = name
	m.mu.Unlock()
}

func (m *meter) add(rows, bytes int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.p.Rows += rows
	m.p.Bytes += bytes
	if m.fn == nil {
		return
	}
	if now := time.Now(); now.Sub(m.last) >= m.every {
		m.last = now
		m.p.Elapsed = now.Sub(m.start)
		m.fn(m.p)
	}
}

func (m *meter) finish() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fn == nil {
		return
	}
	m.p.Elapsed, m.p.Done = time.Since(m.start), true
	m.fn(m.p)
}
