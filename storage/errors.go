package storage

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// msgs names what a query is about, for the domain errors it may turn into.
type msgs struct {
	notFound string // gorm.ErrRecordNotFound, or a missing referenced row
	conflict string // a unique constraint
}

// translate turns a gorm error into a domain error where the database has said
// something the caller can act on (missing row, unique violation); anything
// else stays an internal error, wrapped with the operation's name.
func translate(op string, err error, m msgs) error {
	var de *consent.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case m.notFound != "" && (errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, gorm.ErrForeignKeyViolated)):
		return consent.Errorf(consent.ENOTFOUND, "%s", m.notFound)
	case m.conflict != "" && errors.Is(err, gorm.ErrDuplicatedKey):
		return consent.Errorf(consent.ECONFLICT, "%s", m.conflict)
	}
	return fmt.Errorf("storage: %s: %w", op, err)
}
