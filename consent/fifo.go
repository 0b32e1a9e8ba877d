package consent

import (
	"slices"
	"sync"
)

// fifo is a small first-in, first-out cache, safe for concurrent use; the
// zero value is empty and ready. The memos of frozen documents (their
// canonical encodings, their renderings) keep their few entries in one.
type fifo[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]V
	order   []K // insertion order, oldest first
}

func (c *fifo[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[k]
	return v, ok
}

// add keeps v under k, dropping the oldest entry when limit are kept.
func (c *fifo[K, V]) add(k K, v V, limit int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[K]V{}
	}
	if _, ok := c.entries[k]; !ok {
		if len(c.order) >= limit {
			delete(c.entries, c.order[0])
			c.order = slices.Delete(c.order, 0, 1)
		}
		c.order = append(c.order, k)
	}
	c.entries[k] = v
}

// len returns how many entries are kept and how many keys are in order.
func (c *fifo[K, V]) len() (entries, order int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), len(c.order)
}
