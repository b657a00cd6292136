package branding

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Cached is the theme stored for a tenant.
type Cached struct {
	ID         uuid.UUID
	SourceHash string
	CSS        string
	Warnings   []string
	RenderedAt time.Time
}

// latest returns the tenant's newest cached theme, or nil if none.
func latest(ctx context.Context, tx pgx.Tx) (*Cached, error) {
	var c Cached
	err := tx.QueryRow(ctx, `
		SELECT id, source_hash, css, warnings, rendered_at FROM branding_themes
		ORDER BY rendered_at DESC, id DESC LIMIT 1`).Scan(&c.ID, &c.SourceHash, &c.CSS, &c.Warnings, &c.RenderedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("branding: latest theme: %w", err)
	}
	return &c, nil
}

// keep is how many past themes stay, for a look back at what changed.
const keep = 3

// save stores th as the tenant's newest theme and prunes old ones.
func save(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, th Theme) (*Cached, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	c := Cached{ID: id, SourceHash: th.SourceHash, CSS: th.CSS, Warnings: th.Warnings}
	if c.Warnings == nil {
		c.Warnings = []string{}
	}
	err = tx.QueryRow(ctx, `
		INSERT INTO branding_themes (tenant_id, id, source_hash, css, warnings)
		VALUES ($1, $2, $3, $4, $5) RETURNING rendered_at`,
		tenantID, c.ID, c.SourceHash, c.CSS, c.Warnings).Scan(&c.RenderedAt)
	if err != nil {
		return nil, fmt.Errorf("branding: save theme: %w", err)
	}
	_, err = tx.Exec(ctx, `
		DELETE FROM branding_themes WHERE id IN (
		    SELECT id FROM branding_themes ORDER BY rendered_at DESC, id DESC OFFSET $1)`, keep)
	if err != nil {
		return nil, fmt.Errorf("branding: prune themes: %w", err)
	}
	return &c, nil
}
