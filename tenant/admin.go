package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

const selectTenant = `
SELECT t.id, t.slug, t.name, t.status, t.branding, t.created_at, t.updated_at, t.suspended_at,
       coalesce((SELECT array_agg(d.domain ORDER BY d.domain) FROM tenant_domains d WHERE d.tenant_id = t.id), '{}')
FROM tenants t`

func scanTenant(row pgx.Row) (*Tenant, error) {
	var (
		t        Tenant
		branding []byte
	)
	if err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.Status, &branding, &t.CreatedAt, &t.UpdatedAt, &t.SuspendedAt, &t.Domains); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(branding, &t.Branding); err != nil {
		return nil, fmt.Errorf("tenant %s: branding: %w", t.Slug, err)
	}
	return &t, nil
}

// Get returns the one tenant matching where (a condition on alias t).
// ErrNotFound when none does.
func Get(ctx context.Context, q Querier, where string, args ...any) (*Tenant, error) {
	t, err := scanTenant(q.QueryRow(ctx, selectTenant+" WHERE "+where, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tenant: get: %w", err)
	}
	return t, nil
}

// BySlug returns the tenant with slug.
func BySlug(ctx context.Context, q Querier, slug string) (*Tenant, error) {
	return Get(ctx, q, "t.slug = $1", slug)
}

// ByID returns the tenant with id.
func ByID(ctx context.Context, q Querier, id uuid.UUID) (*Tenant, error) {
	return Get(ctx, q, "t.id = $1", id)
}

// List returns every tenant, by slug.
func List(ctx context.Context, q Querier) ([]*Tenant, error) {
	rows, err := q.Query(ctx, selectTenant+" ORDER BY t.slug")
	if err != nil {
		return nil, fmt.Errorf("tenant: list: %w", err)
	}
	defer rows.Close()
	var out []*Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateParams are what a new tenant needs.
type CreateParams struct {
	Slug     string
	Name     string
	Branding Branding
	Domains  []string
}

// Create makes a tenant, on the owner's connection (an operator path), in
// tx so the caller can enqueue its follow-up work in the same transaction.
func Create(ctx context.Context, tx pgx.Tx, p CreateParams) (*Tenant, error) {
	if err := ValidateSlug(p.Slug); err != nil {
		return nil, err
	}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || len(p.Name) > 200 {
		return nil, ErrInvalidName
	}
	if p.Branding.DisplayName.UK == "" {
		p.Branding.DisplayName.UK = p.Name
	}
	if err := p.Branding.Validate(); err != nil {
		return nil, err
	}
	branding, err := json.Marshal(p.Branding)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO tenants (id, slug, name, branding) VALUES ($1, $2, $3, $4)`, id, p.Slug, p.Name, branding)
	if IsUnique(err) {
		return nil, ErrSlugTaken.With(map[string]any{"Slug": p.Slug})
	}
	if err != nil {
		return nil, fmt.Errorf("tenant: create: %w", err)
	}
	for _, d := range p.Domains {
		if err := AddDomain(ctx, tx, id, d); err != nil {
			return nil, err
		}
	}
	return ByID(ctx, tx, id)
}

// AddDomain serves tenant id at a custom domain too.
func AddDomain(ctx context.Context, tx pgx.Tx, id uuid.UUID, domain string) error {
	d, err := NormalizeHost(domain)
	if err != nil || !strings.Contains(d, ".") {
		return ErrInvalidDomain.With(map[string]any{"Domain": domain})
	}
	_, err = tx.Exec(ctx, `INSERT INTO tenant_domains (domain, tenant_id) VALUES ($1, $2)`, d, id)
	if IsUnique(err) {
		return ErrDomainTaken.With(map[string]any{"Domain": d})
	}
	if err != nil {
		return fmt.Errorf("tenant: add domain: %w", err)
	}
	return nil
}

// SetStatus suspends or resumes tenant id. Suspending records when
// (suspending again keeps the first time); a deleted city stays deleted
// (ErrDeleted): only its purge (docs/city-lifecycle.md) makes one.
func SetStatus(ctx context.Context, tx pgx.Tx, id uuid.UUID, s Status) error {
	if s != Active && s != Suspended {
		return fmt.Errorf("tenant: unknown status %q", s)
	}
	var was Status
	err := tx.QueryRow(ctx, `SELECT status FROM tenants WHERE id = $1 FOR UPDATE`, id).Scan(&was)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("tenant: set status: %w", err)
	}
	if was == Deleted {
		return ErrDeleted
	}
	_, err = tx.Exec(ctx, `UPDATE tenants SET status = $2, updated_at = now(),
		suspended_at = CASE WHEN $2 = 'active' THEN NULL ELSE coalesce(suspended_at, now()) END
		WHERE id = $1`, id, s)
	if err != nil {
		return fmt.Errorf("tenant: set status: %w", err)
	}
	return nil
}

// UpdateBranding replaces tenant id's branding.
func UpdateBranding(ctx context.Context, tx pgx.Tx, id uuid.UUID, b Branding) error {
	if err := b.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE tenants SET branding = $2, updated_at = now() WHERE id = $1`, id, raw)
	if err != nil {
		return fmt.Errorf("tenant: update branding: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// IsUnique says whether err is PostgreSQL's unique violation (23505): a
// row that exists already, which callers answer in their own words.
func IsUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
