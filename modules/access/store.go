package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// The SQL of the package. Every statement runs in a tenant.Tx, so RLS
// scopes it to the tenant; tenant_id in a WHERE clause is never what keeps
// tenants apart.

// lockPolicies serialises changes of one tenant's policy lines (install and
// replace) for the rest of the transaction.
func lockPolicies(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('hromada.access.policies:' || $1::text, 0))`, tenantID)
	if err != nil {
		return fmt.Errorf("access: lock policies: %w", err)
	}
	return nil
}

// currentVersion is the tenant's newest policy version, 0 when it has none.
func currentVersion(ctx context.Context, tx pgx.Tx) (int64, error) {
	var v int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM policy_versions`).Scan(&v); err != nil {
		return 0, fmt.Errorf("access: policy version: %w", err)
	}
	return v, nil
}

// loadRules reads the tenant's policy lines. A line whose domain is not the
// tenant's (it can only come from outside this package) is skipped.
func loadRules(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID) (rules []Rule, foreign int, err error) {
	rows, err := tx.Query(ctx, `SELECT v0, v1, v2, v3, v4, v5 FROM casbin_rules WHERE ptype = 'p'`)
	if err != nil {
		return nil, 0, fmt.Errorf("access: load rules: %w", err)
	}
	defer rows.Close()
	dom := tenantID.String()
	for rows.Next() {
		var r Rule
		var d string
		if err := rows.Scan(&r.Role, &d, &r.Object, &r.Action, &r.Scope, &r.Effect); err != nil {
			return nil, 0, fmt.Errorf("access: load rules: %w", err)
		}
		if d != dom {
			foreign++
			continue
		}
		rules = append(rules, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("access: load rules: %w", err)
	}
	return rules, foreign, nil
}

// writeRules replaces the tenant's policy lines with rules.
func writeRules(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, rules []Rule) error {
	if _, err := tx.Exec(ctx, `DELETE FROM casbin_rules`); err != nil {
		return fmt.Errorf("access: write rules: %w", err)
	}
	n := len(rules)
	ids, roles, objs, acts, scopes, efts := make([]uuid.UUID, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, r := range rules {
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		ids[i], roles[i], objs[i], acts[i], scopes[i], efts[i] = id, r.Role, r.Object, r.Action, r.Scope, r.Effect
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO casbin_rules (tenant_id, id, ptype, v0, v1, v2, v3, v4, v5)
		SELECT $1, u.id, 'p', u.role, $2, u.obj, u.act, u.scope, u.eft
		FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(id, role, obj, act, scope, eft)
		ON CONFLICT DO NOTHING`,
		tenantID, tenantID.String(), ids, roles, objs, acts, scopes, efts)
	if err != nil {
		return fmt.Errorf("access: write rules: %w", err)
	}
	return nil
}

// addVersion records version of the tenant's policy: the whole rule set.
func addVersion(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, version int64, by, summary string, rules []Rule, at time.Time) error {
	snapshot, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO policy_versions (tenant_id, version, changed_at, changed_by, summary, snapshot)
		VALUES ($1, $2, $3, $4, $5, $6)`, tenantID, version, at, by, summary, snapshot)
	if err != nil {
		return fmt.Errorf("access: add policy version: %w", err)
	}
	return nil
}

// PolicyVersion is one version of a tenant's policy.
type PolicyVersion struct {
	Version   int64
	ChangedAt time.Time
	ChangedBy string // the account id of the administrator, or "system"
	// ChangedByName is that administrator's name, as the history shows it
	// ("" for the system and an account no longer found).
	ChangedByName string
	Summary       string
	Rules         []Rule // the whole rule set after the change
}

func listVersions(ctx context.Context, tx pgx.Tx) ([]PolicyVersion, error) {
	rows, err := tx.Query(ctx, `SELECT v.version, v.changed_at, v.changed_by, coalesce(a.full_name, ''), v.summary, v.snapshot
		FROM policy_versions v LEFT JOIN accounts a ON a.id::text = v.changed_by ORDER BY v.version DESC`)
	if err != nil {
		return nil, fmt.Errorf("access: policy versions: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (PolicyVersion, error) {
		var v PolicyVersion
		var snapshot []byte
		if err := row.Scan(&v.Version, &v.ChangedAt, &v.ChangedBy, &v.ChangedByName, &v.Summary, &snapshot); err != nil {
			return v, err
		}
		return v, json.Unmarshal(snapshot, &v.Rules)
	})
}

// heldRoles returns the roles account holds at now: resident when it is an
// account of the tenant, and its grants that are active or whose temporary
// block has ended.
func heldRoles(ctx context.Context, tx pgx.Tx, account uuid.UUID, now time.Time) ([]Held, error) {
	rows, err := tx.Query(ctx, heldRolesSQL, account, now)
	if err != nil {
		return nil, fmt.Errorf("access: roles: %w", err)
	}
	return pgx.CollectRows(rows, scanHeld)
}

// queueHeldRoles is heldRoles queued on b (the guard's pipelined reads);
// once b is sent, *into is the roles.
func queueHeldRoles(b *pgx.Batch, account uuid.UUID, now time.Time, into *[]Held) {
	b.Queue(heldRolesSQL, account, now).Query(func(rows pgx.Rows) error {
		held, err := pgx.CollectRows(rows, scanHeld)
		if err != nil {
			return fmt.Errorf("access: roles: %w", err)
		}
		*into = held
		return nil
	})
}

const heldRolesSQL = `
		SELECT 'resident', NULL::uuid FROM accounts WHERE id = $1
		UNION ALL
		SELECT role, provider_id FROM access_grants
		WHERE account_id = $1 AND (status = 'active' OR (status = 'blocked' AND blocked_until <= $2))`

func scanHeld(row pgx.CollectableRow) (Held, error) {
	var h Held
	var p *uuid.UUID
	if err := row.Scan(&h.Role, &p); err != nil {
		return h, err
	}
	if p != nil {
		h.Provider = *p
	}
	return h, nil
}

// Status is the state of a grant.
type Status string

// The states of a grant.
const (
	StatusActive  Status = "active"
	StatusBlocked Status = "blocked" // until BlockedUntil, or until unblocked when that is nil
	StatusRevoked Status = "revoked" // for good; a new grant is a new row
)

// Grant is a staff member's access: one role, at one provider for officials
// and provider heads.
type Grant struct {
	ID           uuid.UUID
	AccountID    uuid.UUID
	Role         string
	ProviderID   *uuid.UUID // officials and provider heads only
	Status       Status
	BlockedUntil *time.Time // a temporary block ends then; nil: until unblocked
	Reason       string     // of the last change: the written request, the dismissal
	GrantedBy    *uuid.UUID // nil: granted by the platform (Bootstrap)
	GrantedAt    time.Time
	ChangedBy    *uuid.UUID
	ChangedAt    time.Time
}

// EffectiveAt reports whether the grant gives its role at t.
func (g Grant) EffectiveAt(t time.Time) bool {
	return g.Status == StatusActive || g.Status == StatusBlocked && g.BlockedUntil != nil && !g.BlockedUntil.After(t)
}

const grantColumns = `id, account_id, role, provider_id, status, blocked_until, reason, granted_by, granted_at, changed_by, changed_at`

func scanGrant(row pgx.Row) (Grant, error) {
	var g Grant
	err := row.Scan(&g.ID, &g.AccountID, &g.Role, &g.ProviderID, &g.Status, &g.BlockedUntil, &g.Reason, &g.GrantedBy, &g.GrantedAt, &g.ChangedBy, &g.ChangedAt)
	return g, err
}

// grantForUpdate reads grant id and locks it for the transaction.
func grantForUpdate(ctx context.Context, tx pgx.Tx, id uuid.UUID) (Grant, error) {
	g, err := scanGrant(tx.QueryRow(ctx, `SELECT `+grantColumns+` FROM access_grants WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return g, ErrGrantNotFound
	}
	if err != nil {
		return g, fmt.Errorf("access: grant: %w", err)
	}
	return g, nil
}

// liveGrants are account's active and blocked grants.
func liveGrants(ctx context.Context, tx pgx.Tx, account uuid.UUID) ([]Grant, error) {
	rows, err := tx.Query(ctx, `SELECT `+grantColumns+` FROM access_grants WHERE account_id = $1 AND status IN ('active', 'blocked')`, account)
	if err != nil {
		return nil, fmt.Errorf("access: grants: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Grant, error) { return scanGrant(row) })
}

func exists(ctx context.Context, tx pgx.Tx, table string, id uuid.UUID) (bool, error) {
	var ok bool
	// table is one of two constants of this package, never input.
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM `+table+` WHERE id = $1)`, id).Scan(&ok); err != nil {
		return false, fmt.Errorf("access: %s: %w", table, err)
	}
	return ok, nil
}

func insertGrant(ctx context.Context, tx pgx.Tx, g Grant) (Grant, error) {
	out, err := scanGrant(tx.QueryRow(ctx, `
		INSERT INTO access_grants (tenant_id, id, account_id, role, provider_id, status, reason, granted_by, granted_at, changed_by, changed_at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, 'active', $5, $6, $7, $6, $7)
		RETURNING `+grantColumns,
		g.ID, g.AccountID, g.Role, g.ProviderID, g.Reason, g.GrantedBy, g.GrantedAt))
	if tenant.IsUnique(err) {
		return out, ErrGrantExists.With(map[string]any{"Role": g.Role})
	}
	if err != nil {
		return out, fmt.Errorf("access: insert grant: %w", err)
	}
	return out, nil
}

func updateGrant(ctx context.Context, tx pgx.Tx, id uuid.UUID, status Status, until *time.Time, reason string, by *uuid.UUID, at time.Time) (Grant, error) {
	g, err := scanGrant(tx.QueryRow(ctx, `
		UPDATE access_grants SET status = $2, blocked_until = $3, reason = $4, changed_by = $5, changed_at = $6
		WHERE id = $1 RETURNING `+grantColumns, id, status, until, reason, by, at))
	if err != nil {
		return g, fmt.Errorf("access: update grant: %w", err)
	}
	return g, nil
}

// GrantFilter narrows ListGrants; the zero value lists every live grant the
// actor may see.
type GrantFilter struct {
	AccountID      *uuid.UUID
	ProviderID     *uuid.UUID
	IncludeRevoked bool
}

func listGrants(ctx context.Context, tx pgx.Tx, f GrantFilter, providers []uuid.UUID) ([]Grant, error) {
	rows, err := tx.Query(ctx, `
		SELECT `+grantColumns+` FROM access_grants
		WHERE ($1::uuid IS NULL OR account_id = $1)
		  AND ($2::uuid IS NULL OR provider_id = $2)
		  AND ($3::uuid[] IS NULL OR provider_id = ANY ($3))
		  AND ($4 OR status <> 'revoked')
		ORDER BY granted_at, id`, f.AccountID, f.ProviderID, providers, f.IncludeRevoked)
	if err != nil {
		return nil, fmt.Errorf("access: list grants: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Grant, error) { return scanGrant(row) })
}

// grantProvider is the provider of the grant in the path: the scope a
// provider head's dismissal report is checked at.
func grantProvider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p *uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT provider_id FROM access_grants WHERE id = $1`, id).Scan(&p); err != nil || p == nil {
		return uuid.Nil, err
	}
	return *p, nil
}

// describeGrants adds the people's and the providers' (provs) names to
// grants, for the console.
func describeGrants(ctx context.Context, tx pgx.Tx, gs []Grant, provs []Provider) ([]GrantRow, error) {
	ids := make([]uuid.UUID, 0, len(gs))
	for _, g := range gs {
		ids = append(ids, g.AccountID)
	}
	rows, err := tx.Query(ctx, `SELECT id, full_name, rnokpp FROM accounts WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	type person struct{ name, rnokpp string }
	people := map[uuid.UUID]person{}
	for rows.Next() {
		var id uuid.UUID
		var p person
		if err := rows.Scan(&id, &p.name, &p.rnokpp); err != nil {
			return nil, err
		}
		people[id] = p
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	names := map[uuid.UUID]string{}
	for _, p := range provs {
		names[p.ID] = p.NameUK
	}
	out := make([]GrantRow, 0, len(gs))
	for _, g := range gs {
		row := GrantRow{Grant: g, FullName: people[g.AccountID].name, RNOKPP: people[g.AccountID].rnokpp}
		if g.ProviderID != nil {
			row.ProviderName = names[*g.ProviderID]
		}
		out = append(out, row)
	}
	return out, nil
}
