package branding

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
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

// current is the tenant's branding as stored.
func current(ctx context.Context, tx pgx.Tx) (tenant.Branding, error) {
	var b tenant.Branding
	if err := tx.QueryRow(ctx, `SELECT branding FROM tenants WHERE id = app_tenant_id()`).Scan(&b); err != nil {
		return b, fmt.Errorf("branding: read the tenant's branding: %w", err)
	}
	return b, nil
}

// currentForUpdate is current, with the city's editors queued behind each
// other (the app role may not lock the tenants row, and a branding_images
// row may not exist before a first edit: a city lock instead).
func currentForUpdate(ctx context.Context, tx pgx.Tx) (tenant.Branding, error) {
	if err := tenant.LockCity(ctx, tx, "branding:"); err != nil {
		return tenant.Branding{}, err
	}
	return current(ctx, tx)
}

// setBranding writes b as the tenant's branding (migration 0038's function:
// the app role may not write tenants itself).
func setBranding(ctx context.Context, tx pgx.Tx, b tenant.Branding) error {
	if _, err := tx.Exec(ctx, `SELECT tenant_branding_set($1)`, b); err != nil {
		return fmt.Errorf("branding: write: %w", err)
	}
	return nil
}

func putImage(ctx context.Context, tx pgx.Tx, img *Image, by uuid.UUID) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO branding_images (tenant_id, kind, content_type, bytes, sha256, width, height, updated_by)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant_id, kind) DO UPDATE SET content_type = EXCLUDED.content_type, bytes = EXCLUDED.bytes,
		    sha256 = EXCLUDED.sha256, width = EXCLUDED.width, height = EXCLUDED.height, updated_at = now(), updated_by = EXCLUDED.updated_by`,
		img.Kind, img.ContentType, img.Bytes, img.SHA256, img.Width, img.Height, by)
	if err != nil {
		return fmt.Errorf("branding: store the %s: %w", img.Kind, err)
	}
	return nil
}

func deleteImage(ctx context.Context, tx pgx.Tx, kind string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM branding_images WHERE kind = $1`, kind); err != nil {
		return fmt.Errorf("branding: remove the %s: %w", kind, err)
	}
	return nil
}

func imageOf(ctx context.Context, tx pgx.Tx, kind string) (*Image, error) {
	img := Image{Kind: kind}
	err := tx.QueryRow(ctx, `SELECT content_type, bytes, sha256, width, height FROM branding_images WHERE kind = $1`, kind).
		Scan(&img.ContentType, &img.Bytes, &img.SHA256, &img.Width, &img.Height)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoImage
	}
	if err != nil {
		return nil, fmt.Errorf("branding: read the %s: %w", kind, err)
	}
	return &img, nil
}
