package audit

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// errNoDB is a search on a Service not made by New.
var errNoDB = errors.New("audit: the Service has no database (make it with New)")

// Search returns the audit log's rows that match f, newest first, a page of
// them, and how many match in all: one read transaction in the tenant in
// ctx, for the auditor's console.
func (s *Service) Search(ctx context.Context, f Filter) (rows []Row, total int, err error) {
	if s.db == nil {
		return nil, 0, errNoDB
	}
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, total, err = Search(ctx, tx, f)
		return err
	})
	return rows, total, err
}

// SearchSecurity returns the security events that match f, as
// SearchSecurity in tx does, in one read transaction of its own.
func (s *Service) SearchSecurity(ctx context.Context, f SecurityFilter) (rows []SecurityRow, total int, err error) {
	if s.db == nil {
		return nil, 0, errNoDB
	}
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, total, err = SearchSecurity(ctx, tx, f)
		return err
	})
	return rows, total, err
}
