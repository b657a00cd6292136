package notify

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
)

// ErrNoNotice: the person has no such notice.
var ErrNoNotice = apperr.New(apperr.NotFound, "notify.error.no_notice")

// Notices returns the person's notices as Inbox does (newest first, the
// last 100), without marking them read: the city app marks each one read
// when the person opens it (MarkRead).
func (s *Service) Notices(ctx context.Context, account uuid.UUID) ([]Notification, error) {
	var out []Notification
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = inbox(ctx, tx, account)
		return err
	})
	return out, err
}

// MarkRead marks one of the person's notices read; read already, it keeps
// its first reading's time. ErrNoNotice when it is not theirs.
func (s *Service) MarkRead(ctx context.Context, account, id uuid.UUID) error {
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE account_id = $1 AND id = $2`, account, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNoNotice
		}
		return nil
	})
}
