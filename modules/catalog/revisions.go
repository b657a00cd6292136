package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
)

// Revision is a proposed change to a service's information.
type Revision struct {
	ID          uuid.UUID
	ServiceID   uuid.UUID
	ServiceCode string
	ProviderID  uuid.UUID
	Content     Content
	Decision
}

// Decision is what every revision of the register shares, a service's or
// a provider's, a centre's or a life situation's (register_revisions.go):
// proposed on the date its legal basis arose, then published, returned or
// superseded by another one's publication.
type Decision struct {
	Number      int
	Status      string // pending | published | returned | superseded
	BasisDate   time.Time
	SubmittedBy *uuid.UUID
	SubmittedAt time.Time
	DecidedBy   *uuid.UUID
	DecidedAt   *time.Time
	Comment     string
	// Due is the day by which the change is to be public: the next working
	// day after its legal basis arose (seed 003 §7.5).
	Due time.Time
	// SubmitterName and DeciderName are who proposed and who decided.
	SubmitterName, DeciderName string
}

// decisionColumns are a Decision's columns of the revisions table r, in
// the order of (*Decision).targets.
const decisionColumns = `r.number, r.status, r.basis_date, r.submitted_by, r.submitted_at, r.decided_by, r.decided_at, r.comment,
	coalesce((SELECT full_name FROM accounts WHERE id = r.submitted_by), ''),
	coalesce((SELECT full_name FROM accounts WHERE id = r.decided_by), '')`

func (d *Decision) targets() []any {
	return []any{&d.Number, &d.Status, &d.BasisDate, &d.SubmittedBy, &d.SubmittedAt, &d.DecidedBy, &d.DecidedAt, &d.Comment,
		&d.SubmitterName, &d.DeciderName}
}

// decided is the status a decision on d gives: it refuses a decided
// revision (ErrRevisionDecided) and a return without a comment
// (ErrCommentRequired).
func (d *Decision) decided(publishIt bool, comment string) (string, error) {
	switch {
	case d.Status != "pending":
		return "", ErrRevisionDecided
	case publishIt:
		return "published", nil
	case comment == "":
		return "", ErrCommentRequired
	}
	return "returned", nil
}

// record writes the decision status on revision id of table (a constant:
// service_revisions or register_revisions) and on d, in tx.
func (d *Decision) record(ctx context.Context, tx pgx.Tx, table string, id uuid.UUID, status, comment string, by *uuid.UUID, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE `+table+` SET status = $2, decided_by = $3, decided_at = $4, comment = $5 WHERE id = $1`,
		id, status, by, now, comment); err != nil {
		return fmt.Errorf("catalog: decide %s: %w", table, err)
	}
	d.Status, d.DecidedBy, d.DecidedAt, d.Comment = status, by, &now, comment
	return nil
}

// basisProblem is the basis date's problem: none, or after now.
func basisProblem(basis, now time.Time) FieldErrors {
	if basis.IsZero() || basis.After(now) {
		return FieldErrors{"basis_date": ErrBasisDate}
	}
	return nil
}

// setDue sets each decision's Due from its basis date and the city's days off.
func setDue(ctx context.Context, tx pgx.Tx, ds []*Decision) error {
	holidays, err := HolidaySet(ctx, tx)
	if err != nil {
		return err
	}
	for _, d := range ds {
		d.Due = NextWorkingDay(d.BasisDate, holidays)
	}
	return nil
}

// Errors of the revision workflow.
var (
	ErrRevisionInvalid  = apperr.New(apperr.Invalid, "error.catalog_invalid")
	ErrRevisionNotFound = apperr.New(apperr.NotFound, "error.revision_not_found")
	ErrRevisionDecided  = apperr.New(apperr.Conflict, "error.revision_decided")
	ErrCommentRequired  = apperr.New(apperr.Invalid, "error.revision_comment")
	ErrBasisDate        = apperr.New(apperr.Invalid, "error.revision_basis_date")
)

// NextWorkingDay is the first day after d that is neither a weekend nor
// one of the city's holidays (by "2006-01-02").
func NextWorkingDay(d time.Time, holidays map[string]bool) time.Time {
	d = d.AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || holidays[d.Format("2006-01-02")] {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// Holiday is a day off in the city.
type Holiday struct {
	Day  time.Time
	Name string
}

// Holidays returns the city's days off, in order.
func Holidays(ctx context.Context, tx pgx.Tx) ([]Holiday, error) {
	rows, err := tx.Query(ctx, holidaysSQL)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanHoliday)
}

const holidaysSQL = `SELECT day, name FROM public_holidays ORDER BY day`

func scanHoliday(r pgx.CollectableRow) (Holiday, error) {
	var h Holiday
	return h, r.Scan(&h.Day, &h.Name)
}

// HolidaySet is the city's days off as a set of "2006-01-02", what NextWorkingDay takes.
func HolidaySet(ctx context.Context, tx pgx.Tx) (map[string]bool, error) {
	hs, err := Holidays(ctx, tx)
	if err != nil {
		return nil, err
	}
	return holidaySet(hs), nil
}

// QueueHolidaySet queues on b (a caller's pipelined reads, in its
// transaction) the read HolidaySet does; once b is sent, *into is the set.
func QueueHolidaySet(b *pgx.Batch, into *map[string]bool) {
	b.Queue(holidaysSQL).Query(func(rows pgx.Rows) error {
		hs, err := pgx.CollectRows(rows, scanHoliday)
		*into = holidaySet(hs)
		return err
	})
}

func holidaySet(hs []Holiday) map[string]bool {
	set := make(map[string]bool, len(hs))
	for _, h := range hs {
		set[h.Day.Format("2006-01-02")] = true
	}
	return set
}

// SetHoliday adds (or renames) a day off; RemoveHoliday takes one away.
func SetHoliday(ctx context.Context, tx pgx.Tx, day time.Time, name string) error {
	_, err := tx.Exec(ctx, `INSERT INTO public_holidays (tenant_id, day, name) VALUES (app_tenant_id(), $1, $2)
		ON CONFLICT (tenant_id, day) DO UPDATE SET name = excluded.name`, day, name)
	return err
}

// RemoveHoliday takes a day off away.
func RemoveHoliday(ctx context.Context, tx pgx.Tx, day time.Time) error {
	_, err := tx.Exec(ctx, `DELETE FROM public_holidays WHERE day = $1`, day)
	return err
}

// Propose saves c as a pending revision of the service with code, by
// author (nil: the command line's import, no account), with the date its
// legal basis arose. The code and provider stay the service's own whatever c
// says.
func Propose(ctx context.Context, tx pgx.Tx, code string, c Content, basis time.Time, author *uuid.UUID, now time.Time) (*Revision, FieldErrors, error) {
	var (
		serviceID, provider uuid.UUID
	)
	err := tx.QueryRow(ctx, `SELECT id, provider_id FROM services WHERE code = $1`, code).Scan(&serviceID, &provider)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, ErrNoService
	}
	if err != nil {
		return nil, nil, err
	}
	c.Code = code
	errs := c.Validate()
	for _, ls := range c.LifeSituations {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM life_situations WHERE code = $1)`, ls).Scan(&ok); err != nil {
			return nil, nil, err
		}
		if !ok {
			errs["situations"] = fe("error.catalog_situation")
		}
	}
	for _, code := range c.Centres {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM centres WHERE code = $1 AND retired_at IS NULL)`, code).Scan(&ok); err != nil {
			return nil, nil, err
		}
		if !ok {
			errs["centres"] = fe("error.catalog_centre")
		}
	}
	maps.Copy(errs, basisProblem(basis, now))
	if len(errs) > 0 {
		return nil, errs, ErrRevisionInvalid
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, nil, err
	}
	holidays, err := HolidaySet(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	r := &Revision{ID: id, ServiceID: serviceID, ServiceCode: code, ProviderID: provider, Content: c,
		Decision: Decision{Status: "pending", BasisDate: basis, SubmittedBy: author, Due: NextWorkingDay(basis, holidays)}}
	err = tx.QueryRow(ctx, `
		INSERT INTO service_revisions (tenant_id, id, service_id, number, content, basis_date, submitted_by)
		VALUES (app_tenant_id(), $1, $2, (SELECT coalesce(max(number), 0) + 1 FROM service_revisions WHERE service_id = $2), $3, $4, $5)
		RETURNING number, submitted_at`, id, serviceID, jsonOf(c), basis, author).Scan(&r.Number, &r.SubmittedAt)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: propose: %w", err)
	}
	return r, nil, nil
}

const revisionColumns = `r.id, r.service_id, s.code, s.provider_id, r.content, ` + decisionColumns

func scanRevision(row pgx.Row) (*Revision, error) {
	var (
		r   Revision
		raw []byte
	)
	if err := row.Scan(append([]any{&r.ID, &r.ServiceID, &r.ServiceCode, &r.ProviderID, &raw}, r.targets()...)...); err != nil {
		return nil, err
	}
	return &r, json.Unmarshal(raw, &r.Content)
}

// Revisions lists revisions, pending first: of one provider, or all (nil);
// of one service, or all ("").
func Revisions(ctx context.Context, tx pgx.Tx, provider *uuid.UUID, code string) ([]*Revision, error) {
	rows, err := tx.Query(ctx, `SELECT `+revisionColumns+` FROM service_revisions r JOIN services s ON s.id = r.service_id
		WHERE ($1::uuid IS NULL OR s.provider_id = $1) AND ($2 = '' OR s.code = $2)
		ORDER BY r.status = 'pending' DESC, r.basis_date, r.submitted_at DESC LIMIT 500`, provider, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Revision
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ds := make([]*Decision, len(out))
	for i, r := range out {
		ds[i] = &r.Decision
	}
	return out, setDue(ctx, tx, ds)
}

// RevisionByID returns revision id, locked for a decision when forUpdate.
func RevisionByID(ctx context.Context, tx pgx.Tx, id uuid.UUID, forUpdate bool) (*Revision, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE OF r"
	}
	r, err := scanRevision(tx.QueryRow(ctx, `SELECT `+revisionColumns+` FROM service_revisions r JOIN services s ON s.id = r.service_id
		WHERE r.id = $1`+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrRevisionNotFound
	}
	return r, err
}

// Decide publishes revision id (its content becomes public, with its search
// index, in this transaction; other pending revisions of the service are
// superseded) or returns it to its author with a comment, by the account by
// (nil: the command line's bulk publication of an import).
func Decide(ctx context.Context, tx pgx.Tx, id uuid.UUID, publishIt bool, comment string, by *uuid.UUID, now time.Time) (*Revision, error) {
	r, err := RevisionByID(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	status, err := r.decided(publishIt, comment)
	if err != nil {
		return nil, err
	}
	if publishIt {
		if err := publish(ctx, tx, r.ProviderID, r.Content, map[string]uuid.UUID{}, map[string]uuid.UUID{}); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE service_revisions SET status = 'superseded' WHERE service_id = $1 AND status = 'pending' AND id <> $2`,
			r.ServiceID, r.ID); err != nil {
			return nil, err
		}
	}
	return r, r.record(ctx, tx, "service_revisions", id, status, comment, by, now)
}
