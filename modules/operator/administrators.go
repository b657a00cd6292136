package operator

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"hromada/modules/onboarding"
)

// AdminState is what the console may know of a city's administrators:
// whether there is one, never who.
type AdminState string

// The states of a city's administration.
const (
	AdminAppointed AdminState = "appointed" // a live administrator grant exists
	AdminPending   AdminState = "pending"   // the appointment job is queued or being retried
	AdminFailed    AdminState = "failed"    // the appointment job gave up, and there is none
	AdminNone      AdminState = "none"      // none was named
)

// Administrators returns every tenant's AdminState, in one statement: the
// grants through tenant_has_administrator (migration 0015, the operator's
// only window onto a tenant table: a boolean), the appointment in flight
// through River's job table.
func (s *Service) Administrators(ctx context.Context) (map[uuid.UUID]AdminState, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT t.id, tenant_has_administrator(t.id),
		       coalesce((SELECT bool_or(j.state::text NOT IN ('completed', 'cancelled', 'discarded'))
		                 FROM river_job j WHERE j.kind = $1 AND j.args->>'tenant_id' = t.id::text), false),
		       coalesce((SELECT bool_or(j.state::text IN ('cancelled', 'discarded'))
		                 FROM river_job j WHERE j.kind = $1 AND j.args->>'tenant_id' = t.id::text), false)
		FROM tenants t`, onboarding.KindAppoint)
	if err != nil {
		return nil, fmt.Errorf("operator: administrators: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]AdminState{}
	for rows.Next() {
		var (
			id                        uuid.UUID
			appointed, pending, fails bool
		)
		if err := rows.Scan(&id, &appointed, &pending, &fails); err != nil {
			return nil, fmt.Errorf("operator: administrators: %w", err)
		}
		switch {
		case appointed:
			out[id] = AdminAppointed
		case pending:
			out[id] = AdminPending
		case fails:
			out[id] = AdminFailed
		default:
			out[id] = AdminNone
		}
	}
	return out, rows.Err()
}
