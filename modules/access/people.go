package access

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Person is an account as the security pages name it: the full name and
// the staff roles it holds at a time (none: a resident only).
type Person struct {
	Name  string
	Roles []string
}

// PeopleTx names the accounts of ids that exist in the tenant of tx, with
// the staff roles each holds at now, for pages that show accounts by id
// (security events, lockouts).
func PeopleTx(ctx context.Context, tx pgx.Tx, ids []uuid.UUID, now time.Time) (map[uuid.UUID]Person, error) {
	out := map[uuid.UUID]Person{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `
		SELECT a.id, a.full_name, coalesce(array_agg(DISTINCT g.role ORDER BY g.role) FILTER (WHERE g.role IS NOT NULL), '{}')
		FROM accounts a
		LEFT JOIN access_grants g ON g.tenant_id = a.tenant_id AND g.account_id = a.id
			AND (g.status = 'active' OR (g.status = 'blocked' AND g.blocked_until <= $2))
		WHERE a.id = ANY($1)
		GROUP BY a.id, a.full_name`, ids, now)
	if err != nil {
		return nil, fmt.Errorf("access: people: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var p Person
		if err := rows.Scan(&id, &p.Name, &p.Roles); err != nil {
			return nil, fmt.Errorf("access: people: %w", err)
		}
		out[id] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("access: people: %w", err)
	}
	return out, nil
}

// HoldersTx returns the accounts that hold role at now in the tenant of
// tx (e.g. the administrators, to notify of a lockout).
func HoldersTx(ctx context.Context, tx pgx.Tx, role string, now time.Time) ([]uuid.UUID, error) {
	return holders(ctx, tx, role, nil, now)
}

// ProviderHoldersTx returns the accounts that hold role at provider at now
// (the provider's heads, told of an overdue application; its officials,
// told of new work in their competence).
func ProviderHoldersTx(ctx context.Context, tx pgx.Tx, role string, provider uuid.UUID, now time.Time) ([]uuid.UUID, error) {
	return holders(ctx, tx, role, &provider, now)
}

// holders are the accounts holding role at now, at provider when it is
// given.
func holders(ctx context.Context, tx pgx.Tx, role string, provider *uuid.UUID, now time.Time) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT account_id FROM access_grants
		WHERE role = $1 AND (status = 'active' OR (status = 'blocked' AND blocked_until <= $2)) AND ($3::uuid IS NULL OR provider_id = $3)
		ORDER BY account_id`, role, now, provider)
	if err != nil {
		return nil, fmt.Errorf("access: holders of %s: %w", role, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("access: holders of %s: %w", role, err)
	}
	return ids, nil
}
