package operator

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Exchange is what the console may know of a city's national monitoring
// exchange (modules/monitoring): how many messages were sent, how many
// wait and how many of those failed, when the last went and the last
// error — never what a message says.
type Exchange struct {
	Sent, Pending, Failing int64
	LastSent               *time.Time
	LastError              string
}

// Exchanges returns every tenant's Exchange, through
// national_exchange_state (migration 0028, a window like 0015's).
func (s *Service) Exchanges(ctx context.Context) (map[uuid.UUID]Exchange, error) {
	rows, err := s.pool.Query(ctx, `SELECT t.id, e.sent, e.pending, e.failing, e.last_sent, e.last_error
		FROM tenants t CROSS JOIN LATERAL national_exchange_state(t.id) e`)
	if err != nil {
		return nil, fmt.Errorf("operator: national exchanges: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]Exchange{}
	for rows.Next() {
		var id uuid.UUID
		var e Exchange
		if err := rows.Scan(&id, &e.Sent, &e.Pending, &e.Failing, &e.LastSent, &e.LastError); err != nil {
			return nil, fmt.Errorf("operator: national exchanges: %w", err)
		}
		out[id] = e
	}
	return out, rows.Err()
}
