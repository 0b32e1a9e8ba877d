//go:build !linux

package atomicfile

// exchange is not available here: each Slot.Write is a Write.
func exchange(a, b string) error { return errNoExchange }
