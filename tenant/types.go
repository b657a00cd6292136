package tenant

import (
	"context"

	"github.com/jackc/pgx/v5"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"
)

// RegisterTypes teaches a connection the binary encoding of google/uuid
// values (vgarvardt/pgx-google-uuid): without it pgx sends every uuid
// parameter as text through driver.Valuer, a measurable share of a
// submission's time (docs/perf.md). Use it as, or in, a pool's
// AfterConnect.
func RegisterTypes(_ context.Context, conn *pgx.Conn) error {
	pgxuuid.Register(conn.TypeMap())
	return nil
}
