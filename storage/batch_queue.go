package storage

import (
	"context"
	"sync"
)

// batchQueue is a closable queue that one goroutine drains in batches: the
// audit writer and the grouped writer. Callers put a request and wait on it;
// the goroutine takes what is queued, up to a limit, and handles it as one
// batch, so the batch size grows with the load.
type batchQueue[R any] struct {
	mu     sync.RWMutex // held for reading while enqueuing, for writing by stop
	closed bool
	reqs   chan R
	done   chan struct{}
}

// start runs drain on its own goroutine over a queue of size requests.
func (q *batchQueue[R]) start(size int, drain func()) {
	q.reqs = make(chan R, size)
	q.done = make(chan struct{})
	go func() {
		defer close(q.done)
		drain()
	}()
}

// stop lets the goroutine handle what is queued, then waits for it to exit.
func (q *batchQueue[R]) stop() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.reqs)
	}
	q.mu.Unlock()
	<-q.done
}

// put queues r; after stop it returns closedErr, and ctx's error if ctx
// ends before there is room.
func (q *batchQueue[R]) put(ctx context.Context, r R, closedErr error) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return closedErr
	}
	select {
	case q.reqs <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gather returns first and the requests queued now, at most limit in all.
func (q *batchQueue[R]) gather(first R, limit int) []R {
	batch := []R{first}
	for len(batch) < limit {
		select {
		case r, ok := <-q.reqs:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}
