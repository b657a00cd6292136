package content

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hromada/tenant"
)

// The package's SQL. Every statement runs in a tenant.Tx: RLS keeps it to
// the city.

const itemColumns = `id, kind, slug, title_uk, title_en, summary_uk, summary_en, body_uk, body_en, in_footer, status, publish_at, updated_at`

func scanItem(row pgx.Row) (*Item, error) {
	var i Item
	err := row.Scan(&i.ID, &i.Kind, &i.Slug, &i.Title.UK, &i.Title.EN, &i.Summary.UK, &i.Summary.EN,
		&i.Body.UK, &i.Body.EN, &i.InFooter, &i.Status, &i.PublishAt, &i.UpdatedAt)
	return &i, err
}

func queryItems(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]Item, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("content: items: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) {
		i, err := scanItem(row)
		return *i, err
	})
	if err != nil {
		return nil, fmt.Errorf("content: items: %w", err)
	}
	return out, nil
}

// shown are the published items of kind showing at now, newest first.
func shown(ctx context.Context, tx pgx.Tx, kind string, now time.Time, limit, offset int) ([]Item, error) {
	return queryItems(ctx, tx, `SELECT `+itemColumns+` FROM content_items
		WHERE kind = $1 AND status = 'published' AND publish_at <= $2
		ORDER BY publish_at DESC, id LIMIT $3 OFFSET $4`, kind, now, limit, offset)
}

// shownOne is the item of kind at slug if it shows at now.
func shownOne(ctx context.Context, tx pgx.Tx, kind, slug string, now time.Time) (*Item, error) {
	i, err := scanItem(tx.QueryRow(ctx, `SELECT `+itemColumns+` FROM content_items
		WHERE kind = $1 AND slug = $2 AND status = 'published' AND publish_at <= $3`, kind, slug, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("content: %s %s: %w", kind, slug, err)
	}
	return i, nil
}

func footerPages(ctx context.Context, tx pgx.Tx, now time.Time) ([]Item, error) {
	return queryItems(ctx, tx, `SELECT `+itemColumns+` FROM content_items
		WHERE kind = 'page' AND in_footer AND status = 'published' AND publish_at <= $1
		ORDER BY title_uk`, now)
}

func allItems(ctx context.Context, tx pgx.Tx) ([]Item, error) {
	return queryItems(ctx, tx, `SELECT `+itemColumns+` FROM content_items
		ORDER BY status = 'retired', coalesce(publish_at, updated_at) DESC, id`)
}

func itemByID(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Item, error) {
	i, err := scanItem(tx.QueryRow(ctx, `SELECT `+itemColumns+` FROM content_items WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("content: item %s: %w", id, err)
	}
	return i, nil
}

// upsertItem writes i: a new id inserts, a known one updates (a double
// submit of the new-item form writes the same row twice, never two rows).
// The kind of an item never changes. A slug taken by another item of the
// kind is errSlugTaken.
func upsertItem(ctx context.Context, tx pgx.Tx, i *Item, by uuid.UUID, now time.Time) error {
	tenant.Changed(ctx, tenant.PublicChannel)
	_, err := tx.Exec(ctx, `
		INSERT INTO content_items (tenant_id, id, kind, slug, title_uk, title_en, summary_uk, summary_en, body_uk, body_en,
			in_footer, status, publish_at, created_at, updated_at, updated_by)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)
		ON CONFLICT (tenant_id, id) DO UPDATE SET slug = EXCLUDED.slug, title_uk = EXCLUDED.title_uk, title_en = EXCLUDED.title_en,
			summary_uk = EXCLUDED.summary_uk, summary_en = EXCLUDED.summary_en, body_uk = EXCLUDED.body_uk, body_en = EXCLUDED.body_en,
			in_footer = EXCLUDED.in_footer, status = EXCLUDED.status, publish_at = EXCLUDED.publish_at,
			updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
		i.ID, i.Kind, i.Slug, i.Title.UK, i.Title.EN, i.Summary.UK, i.Summary.EN, i.Body.UK, i.Body.EN,
		i.InFooter, i.Status, i.PublishAt, now, by)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.ConstraintName == "content_items_slug_once" {
		return errSlugTaken
	}
	if err != nil {
		return fmt.Errorf("content: save %s: %w", i.ID, err)
	}
	return nil
}

var errSlugTaken = errors.New("content: slug taken")
