package appeals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/terms"
	"hromada/tenant"
)

// All of the appeals' SQL but the routing rules' (routing.go) and the
// deadlines' (escalation.go): unexported functions that take the
// transaction of a Service method.

// day is t's date in the city.
func day(t time.Time) time.Time { return terms.Day(t) }

// appealColumns are what scanAppeal reads, from appeals a joined with its
// category c and (left) its provider p.
const appealColumns = `a.id, a.number, a.kind, a.category_id, c.name_uk, c.name_en, c.code, a.author_id, a.author_name, a.body,
	a.address, a.lat, a.lon, a.district, coalesce(d.name_uk, a.district), coalesce(d.name_en, ''), a.provider_id, coalesce(p.name_uk, ''), coalesce(p.name_en, ''), a.unit,
	a.about_provider_id, a.about_official_id, a.application_id, a.repeated_of, a.status, a.public, a.received_at, a.due_on,
	a.assignee_id, a.forwarded_at, a.answer, a.answered_by, a.answered_at, a.rating, a.about_appeal_id`

const appealFrom = ` FROM appeals a JOIN appeal_categories c ON c.tenant_id = a.tenant_id AND c.id = a.category_id
	LEFT JOIN providers p ON p.tenant_id = a.tenant_id AND p.id = a.provider_id
	LEFT JOIN appeal_districts d ON d.tenant_id = a.tenant_id AND d.code = a.district`

func scanAppeal(row pgx.Row) (*Appeal, error) {
	var a Appeal
	err := row.Scan(&a.ID, &a.Number, &a.Kind, &a.CategoryID, &a.Category.UK, &a.Category.EN, &a.CategoryCode, &a.AuthorID, &a.AuthorName, &a.Body,
		&a.Address, &a.Lat, &a.Lon, &a.District, &a.DistrictName.UK, &a.DistrictName.EN, &a.ProviderID, &a.Provider.UK, &a.Provider.EN, &a.Unit,
		&a.AboutProvider, &a.AboutOfficial, &a.ApplicationID, &a.RepeatedOf, &a.Status, &a.Public, &a.ReceivedAt, &a.DueOn,
		&a.AssigneeID, &a.ForwardedAt, &a.Answer, &a.AnsweredBy, &a.AnsweredAt, &a.Rating, &a.AboutAppeal)
	return &a, err
}

// appealByID reads one appeal, locked for update when lock is set.
func appealByID(ctx context.Context, tx pgx.Tx, id uuid.UUID, lock bool) (*Appeal, error) {
	q := `SELECT ` + appealColumns + appealFrom + ` WHERE a.id = $1`
	if lock {
		q += ` FOR UPDATE OF a`
	}
	a, err := scanAppeal(tx.QueryRow(ctx, q, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("appeals: appeal %s: %w", id, err)
	}
	return a, nil
}

// appealList reads appeals matching where (with args), newest first.
func appealList(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]*Appeal, error) {
	rows, err := tx.Query(ctx, `SELECT `+appealColumns+appealFrom+` WHERE `+where+` ORDER BY a.received_at DESC, a.id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("appeals: list: %w", err)
	}
	defer rows.Close()
	var out []*Appeal
	for rows.Next() {
		a, err := scanAppeal(rows)
		if err != nil {
			return nil, fmt.Errorf("appeals: list: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// providerOf is an appeal's provider, the scope of the officials' routes
// (uuid.Nil while it waits for the dispatcher).
func providerOf(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p *uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT provider_id FROM appeals WHERE id = $1`, id).Scan(&p); err != nil {
		return uuid.Nil, err
	}
	if p == nil {
		return uuid.Nil, nil
	}
	return *p, nil
}

// nextNumber gives the city's next appeal number of the year.
func nextNumber(ctx context.Context, tx pgx.Tx, year int) (string, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO appeal_counters (tenant_id, year, last) VALUES (app_tenant_id(), $1, 1)
		ON CONFLICT (tenant_id, year) DO UPDATE SET last = appeal_counters.last + 1 RETURNING last`, year).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("appeals: number: %w", err)
	}
	return fmt.Sprintf("З-%d-%06d", year, n), nil
}

// addMessage appends to an appeal's thread.
func addMessage(ctx context.Context, tx pgx.Tx, appeal uuid.UUID, kind string, fromResident bool, author *uuid.UUID, name, body string) error {
	return addMessageFile(ctx, tx, appeal, kind, fromResident, author, name, body, nil)
}

// addMessageFile appends a message that is a file of the appeal (the
// official's signed letter) to its thread.
func addMessageFile(ctx context.Context, tx pgx.Tx, appeal uuid.UUID, kind string, fromResident bool, author *uuid.UUID, name, body string, file *uuid.UUID) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO appeal_messages (tenant_id, id, appeal_id, kind, from_resident, author_id, author_name, body, file_id)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8)`, id, appeal, kind, fromResident, author, name, body, file)
	if err != nil {
		return fmt.Errorf("appeals: message %s of %s: %w", kind, appeal, err)
	}
	return nil
}

// messages are an appeal's thread, oldest first.
func messages(ctx context.Context, tx pgx.Tx, appeal uuid.UUID) ([]Message, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, from_resident, author_name, body, at, file_id FROM appeal_messages WHERE appeal_id = $1 ORDER BY at, id`, appeal)
	if err != nil {
		return nil, fmt.Errorf("appeals: thread of %s: %w", appeal, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Message])
}

// addFile records a stored file of an appeal.
func addFile(ctx context.Context, tx pgx.Tx, appeal uuid.UUID, f File) error {
	if f.ID == uuid.Nil {
		var err error
		if f.ID, err = uuid.NewV7(); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO appeal_files (tenant_id, id, appeal_id, kind, name, content_type, size, sha256, key)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8)`, f.ID, appeal, f.Kind, f.Name, f.ContentType, f.Size, f.SHA256, f.Key)
	if err != nil {
		return fmt.Errorf("appeals: file of %s: %w", appeal, err)
	}
	return nil
}

// files are an appeal's files, in the order they came.
func files(ctx context.Context, tx pgx.Tx, appeal uuid.UUID) ([]File, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, name, content_type, size, sha256, key FROM appeal_files WHERE appeal_id = $1 ORDER BY at, id`, appeal)
	if err != nil {
		return nil, fmt.Errorf("appeals: files of %s: %w", appeal, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[File])
}

// Category is one of the city's categories of appeals.
type Category struct {
	ID     uuid.UUID
	Code   string
	Name   tenant.Text
	Public bool
}

func categories(ctx context.Context, tx pgx.Tx) ([]Category, error) {
	rows, err := tx.Query(ctx, `SELECT id, code, name_uk, name_en, public FROM appeal_categories ORDER BY position, code`)
	if err != nil {
		return nil, fmt.Errorf("appeals: categories: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Category, error) {
		var c Category
		return c, r.Scan(&c.ID, &c.Code, &c.Name.UK, &c.Name.EN, &c.Public)
	})
}

// District is one of the city's districts.
type District struct {
	Code string
	Name tenant.Text
}

func districts(ctx context.Context, tx pgx.Tx) ([]District, error) {
	rows, err := tx.Query(ctx, `SELECT code, name_uk, name_en FROM appeal_districts ORDER BY name_uk`)
	if err != nil {
		return nil, fmt.Errorf("appeals: districts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (District, error) {
		var d District
		return d, r.Scan(&d.Code, &d.Name.UK, &d.Name.EN)
	})
}

// TermChange is one change of an appeal's term, as recorded.
type TermChange struct {
	Kind   string // set | extend
	OldDue *time.Time
	NewDue time.Time
	Reason string
	At     time.Time
}

// termChange records a change of an appeal's term (the row's due_on is
// the caller's to set in the same transaction).
func termChange(ctx context.Context, tx pgx.Tx, appeal uuid.UUID, kind string, old *time.Time, due time.Time, reason string, actor *uuid.UUID) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO appeal_term_changes (tenant_id, id, appeal_id, kind, old_due, new_due, reason, actor_id)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7)`, id, appeal, kind, old, due, reason, actor)
	if err != nil {
		return fmt.Errorf("appeals: term %s of %s: %w", kind, appeal, err)
	}
	return nil
}

func termChanges(ctx context.Context, tx pgx.Tx, appeal uuid.UUID) ([]TermChange, error) {
	rows, err := tx.Query(ctx, `SELECT kind, old_due, new_due, reason, at FROM appeal_term_changes WHERE appeal_id = $1 ORDER BY at, id`, appeal)
	if err != nil {
		return nil, fmt.Errorf("appeals: term changes of %s: %w", appeal, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[TermChange])
}
