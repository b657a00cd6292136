package applications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
	"hromada/modules/forms"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
)

// selectApplication reads an application with what its pages show beside
// it; the WHERE clause is appended by the caller.
const selectApplication = `SELECT a.id, coalesce(a.number, ''), a.service_id, s.code, s.content->'name', a.provider_id, p.name,
	a.form_id, f.version, a.applicant_id, ac.full_name, ac.rnokpp, a.edrpou, a.org_name, a.status, a.step, a.data,
	a.canonical, a.signature, coalesce(a.signer_rnokpp, ''), coalesce(a.signer_name, ''), a.signed_at, a.sent_at, a.received_at,
	a.due_on, a.assignee_id, coalesce(a.decision, ''), a.grounds, a.decided_by, a.decided_position, a.decided_name, a.decided_at,
	a.created_at, a.updated_at, coalesce((s.content->>'automatic')::boolean, false), a.paused_at, a.paused_days
	FROM applications a
	JOIN services s ON s.tenant_id = a.tenant_id AND s.id = a.service_id
	JOIN providers p ON p.tenant_id = a.tenant_id AND p.id = a.provider_id
	JOIN service_forms f ON f.tenant_id = a.tenant_id AND f.id = a.form_id
	JOIN accounts ac ON ac.tenant_id = a.tenant_id AND ac.id = a.applicant_id `

func scanApplication(row pgx.Row) (*Application, error) {
	var (
		a                  Application
		name, pname, data  []byte
		status             string
		dueOn              *time.Time
		canonical, sigBody []byte
	)
	err := row.Scan(&a.ID, &a.Number, &a.ServiceID, &a.ServiceCode, &name, &a.ProviderID, &pname,
		&a.FormID, &a.FormVersion, &a.ApplicantID, &a.Applicant, &a.RNOKPP, &a.EDRPOU, &a.OrgName, &status, &a.Step, &data,
		&canonical, &sigBody, &a.SignerRNOKPP, &a.SignerName, &a.SignedAt, &a.SentAt, &a.ReceivedAt,
		&dueOn, &a.AssigneeID, &a.Decision, &a.Grounds, &a.DecidedBy, &a.DecidedPos, &a.DecidedName, &a.DecidedAt,
		&a.CreatedAt, &a.UpdatedAt, &a.Automatic, &a.PausedAt, &a.PausedDays)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	a.Status, a.DueOn, a.Canonical, a.Signature = Status(status), dueOn, canonical, sigBody
	if err := json.Unmarshal(name, &a.ServiceName); err != nil {
		return nil, fmt.Errorf("applications: service name of %s: %w", a.ID, err)
	}
	if err := json.Unmarshal(pname, &a.ProviderName); err != nil {
		return nil, fmt.Errorf("applications: provider name of %s: %w", a.ID, err)
	}
	a.Data = map[string]any{}
	if err := json.Unmarshal(data, &a.Data); err != nil {
		return nil, fmt.Errorf("applications: data of %s: %w", a.ID, err)
	}
	return &a, nil
}

// ownerWhere is the predicate of a resident's reach: acting for a legal
// entity, the entity's applications; otherwise their own personal ones.
func ownerWhere(o Owner, first int) (string, []any) {
	if o.EDRPOU != "" {
		return fmt.Sprintf("a.edrpou = $%d", first), []any{o.EDRPOU}
	}
	return fmt.Sprintf("a.applicant_id = $%d AND a.edrpou = ''", first), []any{o.AccountID}
}

// ownedApplication reads one application within the owner's reach; any
// other id is ErrNotFound, whoever it belongs to.
//
// The owner's condition is a filter on the row the primary key finds (IS
// TRUE keeps it out of the index conditions, and keeps its meaning): left
// as it was, the planner read the owner's index — every application the
// person or organisation ever made — and filtered them by id.
func ownedApplication(ctx context.Context, tx pgx.Tx, o Owner, id uuid.UUID, forUpdate bool) (*Application, error) {
	q, args := ownedQuery(o, id, forUpdate)
	return scanApplication(tx.QueryRow(ctx, q, args...))
}

// queueOwnedApplication is ownedApplication queued on b: once b is sent,
// *into is the application (or b's error is ownedApplication's).
func queueOwnedApplication(b *pgx.Batch, o Owner, id uuid.UUID, forUpdate bool, into **Application) {
	q, args := ownedQuery(o, id, forUpdate)
	b.Queue(q, args...).QueryRow(func(row pgx.Row) error {
		var err error
		*into, err = scanApplication(row)
		return err
	})
}

func ownedQuery(o Owner, id uuid.UUID, forUpdate bool) (string, []any) {
	where, args := ownerWhere(o, 2)
	q := selectApplication + "WHERE a.id = $1 AND (" + where + ") IS TRUE"
	if forUpdate {
		q += " FOR UPDATE OF a"
	}
	return q, append([]any{id}, args...)
}

// applicationByID reads one application; callers have checked the reach.
func applicationByID(ctx context.Context, tx pgx.Tx, id uuid.UUID, forUpdate bool) (*Application, error) {
	return scanApplication(tx.QueryRow(ctx, byIDQuery(forUpdate), id))
}

// queueApplicationByID is applicationByID queued on b, into *into.
func queueApplicationByID(b *pgx.Batch, id uuid.UUID, forUpdate bool, into **Application) {
	b.Queue(byIDQuery(forUpdate), id).QueryRow(func(row pgx.Row) error {
		var err error
		*into, err = scanApplication(row)
		return err
	})
}

func byIDQuery(forUpdate bool) string {
	if forUpdate {
		return selectApplication + "WHERE a.id = $1 FOR UPDATE OF a"
	}
	return selectApplication + "WHERE a.id = $1"
}

// providerOf returns the provider of a submitted application, for access
// checks scoped to it; pgx.ErrNoRows when there is no such application or
// it is still a draft (a draft is its applicant's alone).
func providerOf(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p uuid.UUID
	err := tx.QueryRow(ctx, `SELECT provider_id FROM applications WHERE id = $1 AND status <> 'draft'`, id).Scan(&p)
	return p, err
}

// ListFilter narrows a list of applications.
type ListFilter struct {
	Provider uuid.UUID // the queue of this provider (officials)
	Service  string    // service code
	Status   Status    // as shown: an issued application is Granted or Denied
	Overdue  bool
	// Due: only the open cases whose term ends today or this week
	// (terms.go); "": any.
	Due Due
	// Assignee: only the cases assigned to this official; nil: anyone's.
	Assignee *uuid.UUID
	// Unassigned: only the cases no one has taken.
	Unassigned bool
	Open       bool // only those without a result yet (not decided, issued or withdrawn)
	Drafts     bool // the owner's drafts instead of submitted applications
	Limit      int
	Offset     int
}

// mine lists the owner's applications (or drafts), newest first.
func mine(ctx context.Context, tx pgx.Tx, o Owner, f ListFilter) ([]*Application, error) {
	where, args := ownerWhere(o, 1)
	if f.Drafts {
		where += " AND a.status = 'draft'"
	} else {
		where += " AND a.status <> 'draft'"
	}
	return list(ctx, tx, selectApplication+"WHERE "+where+" ORDER BY a.created_at DESC LIMIT 200", args...)
}

// Counts are a queue's numbers by status as shown (an issued application
// counts as Granted or Denied), and the overdue ones.
type Counts struct {
	ByStatus map[Status]int
	Overdue  int
	Total    int
}

// Of is the count of a status, by its name (for templates).
func (c Counts) Of(status string) int { return c.ByStatus[Status(status)] }

// counts are a provider's queue's numbers by status, and the overdue ones.
func counts(ctx context.Context, tx pgx.Tx, provider uuid.UUID, today time.Time) (Counts, error) {
	c := Counts{ByStatus: map[Status]int{}}
	rows, err := tx.Query(ctx, `SELECT `+shownSQL+`, count(*), count(*) FILTER (WHERE `+overdueSQL(2)+`)
		FROM applications a WHERE a.provider_id = $1 AND a.status <> 'draft' GROUP BY 1`, provider, today)
	if err != nil {
		return c, err
	}
	for rows.Next() {
		var (
			s       string
			n, late int
		)
		if err := rows.Scan(&s, &n, &late); err != nil {
			return c, err
		}
		c.ByStatus[Status(s)], c.Overdue, c.Total = n, c.Overdue+late, c.Total+n
	}
	return c, rows.Err()
}

// queue lists a provider's applications, soonest deadline first, with the
// counts the workspace shows.
func queue(ctx context.Context, tx pgx.Tx, f ListFilter, today time.Time) ([]*Application, Counts, error) {
	c, err := counts(ctx, tx, f.Provider, Day(today))
	if err != nil {
		return nil, c, err
	}
	conds := []string{"a.provider_id = $1", "a.status <> 'draft'"}
	args := []any{f.Provider}
	if f.Service != "" {
		args = append(args, f.Service)
		conds = append(conds, fmt.Sprintf("s.code = $%d", len(args)))
	}
	if f.Status != "" {
		args = append(args, string(f.Status))
		conds = append(conds, fmt.Sprintf("(%s) = $%d", shownSQL, len(args)))
	}
	if f.Overdue {
		args = append(args, Day(today))
		conds = append(conds, overdueSQL(len(args)))
	}
	if f.Due != "" {
		from, to := dueRange(f.Due, Day(today))
		args = append(args, from, to)
		conds = append(conds, dueSQL(len(args)-1, len(args)))
	}
	if f.Assignee != nil {
		args = append(args, *f.Assignee)
		conds = append(conds, fmt.Sprintf("a.assignee_id = $%d", len(args)))
	}
	if f.Unassigned {
		conds = append(conds, "a.assignee_id IS NULL")
	}
	if f.Open {
		conds = append(conds, openSQL)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	args = append(args, limit, f.Offset)
	q := selectApplication + "WHERE " + strings.Join(conds, " AND ") +
		fmt.Sprintf(" ORDER BY a.status IN ('issued', 'withdrawn'), a.due_on NULLS LAST, a.received_at LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	apps, err := list(ctx, tx, q, args...)
	return apps, c, err
}

func list(ctx context.Context, tx pgx.Tx, q string, args ...any) ([]*Application, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// addEvent records a transition.
func addEvent(ctx context.Context, tx pgx.Tx, app uuid.UUID, from, to Status, kind ActorKind, actor *uuid.UUID, name, comment string) error {
	sql, args, err := eventsInsert(app, transition{from: from, to: to, kind: kind, actor: actor, name: name, comment: comment})
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, sql, args...)
	return err
}

// transition is one history row: a status change and who made it.
type transition struct {
	from, to      Status
	kind          ActorKind
	actor         *uuid.UUID
	name, comment string
}

// queueEvents queues on b (a pipeline of writes) the history rows addEvent
// would add one by one, in order, as one statement (issue 24: each
// statement costs the server and pgx a statement's work).
func queueEvents(b *pgx.Batch, app uuid.UUID, ts ...transition) error {
	if len(ts) == 0 {
		return nil
	}
	sql, args, err := eventsInsert(app, ts...)
	if err != nil {
		return err
	}
	b.Queue(sql, args...)
	return nil
}

// eventsInsert is the statement inserting app's history rows ts, at least
// one, and its arguments. Their ids are version 7, so the history's order
// (at, id) is the order given.
func eventsInsert(app uuid.UUID, ts ...transition) (string, []any, error) {
	var sql strings.Builder
	sql.WriteString(`INSERT INTO application_events (tenant_id, id, application_id, from_status, to_status, actor_id, actor_kind, actor_name, comment) VALUES `)
	args := make([]any, 0, 1+7*len(ts))
	args = append(args, app)
	for i, t := range ts {
		id, err := uuid.NewV7()
		if err != nil {
			return "", nil, err
		}
		if i > 0 {
			sql.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&sql, "(app_tenant_id(), $%d, $1, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
		args = append(args, id, string(t.from), string(t.to), t.actor, string(t.kind), t.name, t.comment)
	}
	return sql.String(), args, nil
}

// events returns an application's history, oldest first.
func events(ctx context.Context, tx pgx.Tx, app uuid.UUID) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT from_status, to_status, actor_kind, actor_name, comment, at FROM application_events
		WHERE application_id = $1 ORDER BY at, id`, app)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var (
			e             Event
			from, to, knd string
		)
		err := r.Scan(&from, &to, &knd, &e.ActorName, &e.Comment, &e.At)
		e.From, e.To, e.ActorKind = Status(from), Status(to), ActorKind(knd)
		return e, err
	})
}

// files returns an application's files, of the kinds given (all when none).
func files(ctx context.Context, tx pgx.Tx, app uuid.UUID, kinds ...string) ([]File, error) {
	q := filesSQL
	args := []any{app}
	if len(kinds) > 0 {
		q += " AND kind = ANY($2)"
		args = append(args, kinds)
	}
	rows, err := tx.Query(ctx, q+" ORDER BY added_at, id", args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanFile)
}

const filesSQL = `SELECT id, kind, name, content_type, size, sha256, object_key, added_at, coalesce(document, 0) FROM application_files WHERE application_id = $1`

func scanFile(r pgx.CollectableRow) (File, error) {
	var f File
	err := r.Scan(&f.ID, &f.Kind, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.Key, &f.AddedAt, &f.Document)
	return f, err
}

// submitted is what a submission reads of its draft's service, files,
// applicant and city, in one round trip (readSubmitted).
type submitted struct {
	docs     []catalog.Text
	term     catalog.Term
	fee      catalog.Fee
	files    []File // the attachments
	account  *identity.Account
	holidays map[string]bool
}

// readSubmitted reads, pipelined in one round trip, what the submission
// of app decides and records with: the service's documents, term and fee,
// the draft's attachments, the applicant's account and the city's days
// off. Each read is the one the submission made on its own before.
func readSubmitted(ctx context.Context, tx pgx.Tx, app *Application) (*submitted, error) {
	b := &pgx.Batch{}
	r := queueSubmitted(b, app.ID, app.ApplicantID)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return r, nil
}

// queueSubmitted queues readSubmitted's reads of application id, whose
// applicant is applicant, on b: once b is sent, the answer is filled in.
// The service is the application's (a subquery by the primary key), so the
// reads can ride with the application's own read, before it is known.
func queueSubmitted(b *pgx.Batch, id, applicant uuid.UUID) *submitted {
	var r submitted
	// The content is detoasted once, by jsonb_to_record, not once per ->;
	// a member that is JSON null (SQL NULL there) is read with -> as before.
	b.Queue(`SELECT coalesce(x.documents, content->'documents', '[]'), coalesce(x.term, content->'term', '{}'), coalesce(x.fee, content->'fee', '{"free": true}')
		FROM services, jsonb_to_record(content) AS x(documents jsonb, term jsonb, fee jsonb)
		WHERE id = (SELECT service_id FROM applications WHERE id = $1)`, id).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(&r.docs, &r.term, &r.fee); err != nil {
			return fmt.Errorf("applications: the service's documents, term and fee: %w", err)
		}
		return nil
	})
	b.Queue(filesSQL+" AND kind = ANY($2) ORDER BY added_at, id", id, []string{"attachment"}).Query(func(rows pgx.Rows) error {
		var err error
		r.files, err = pgx.CollectRows(rows, scanFile)
		return err
	})
	identity.QueueAccount(b, applicant, &r.account)
	account := b.QueuedQueries[len(b.QueuedQueries)-1]
	scan := account.Fn
	account.Fn = func(br pgx.BatchResults) error {
		err := scan(br)
		if errors.Is(err, identity.ErrNoAccount) {
			return fmt.Errorf("applications: the applicant's account: %w", err)
		}
		return err
	}
	catalog.QueueHolidaySet(b, &r.holidays)
	return &r
}

func addFile(ctx context.Context, tx pgx.Tx, app uuid.UUID, f File, by *uuid.UUID) (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	_, err = tx.Exec(ctx, addFileSQL, id, app, f.Kind, f.Name, f.ContentType, f.Size, f.SHA256, f.Key, by, f.Document)
	return id, err
}

const addFileSQL = `INSERT INTO application_files (tenant_id, id, application_id, kind, name, content_type, size, sha256, object_key, added_by, document)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, nullif($10, 0))`

// queueFile is addFile queued on b (automatic mode's issuing pipeline).
func queueFile(b *pgx.Batch, app uuid.UUID, f File, by *uuid.UUID) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	b.Queue(addFileSQL, id, app, f.Kind, f.Name, f.ContentType, f.Size, f.SHA256, f.Key, by, f.Document)
	return nil
}

// notify puts a notice about app in the applicant's inbox and, as they
// chose, out by e-mail and SMS (modules/notify), in tx.
func (s *Service) notify(ctx context.Context, tx pgx.Tx, app *Application, kind notify.Kind, key string, args map[string]any) error {
	return s.notifyAccount(ctx, tx, app.ApplicantID, app.ID, kind, key, args)
}

// notifyAccount puts a notice about app in another person's inbox than the
// applicant's (an official's: a deadline, an assignment), in tx.
func (s *Service) notifyAccount(ctx context.Context, tx pgx.Tx, account uuid.UUID, app uuid.UUID, kind notify.Kind, key string, args map[string]any) error {
	if s.Notify == nil {
		return errors.New("applications: no notify service")
	}
	_, err := s.Notify.Post(ctx, tx, notify.Notice{Account: account, Application: &app, Kind: kind, Key: key, Args: args})
	return err
}

// noticeKind is the kind of notice a move to status is.
func noticeKind(to Status) notify.Kind {
	switch to {
	case Approved, Refused, Issued:
		return notify.KindResult
	case Clarification:
		return notify.KindClarification
	}
	return notify.KindStatus
}

// publishedForm returns the published form of a service.
func publishedForm(ctx context.Context, tx pgx.Tx, serviceID uuid.UUID) (uuid.UUID, int, forms.Definition, error) {
	var (
		id  uuid.UUID
		ver int
		raw []byte
		def forms.Definition
	)
	err := tx.QueryRow(ctx, `SELECT id, version, definition FROM service_forms WHERE service_id = $1 AND status = 'published'`, serviceID).Scan(&id, &ver, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, 0, def, ErrNoForm
	}
	if err != nil {
		return uuid.Nil, 0, def, err
	}
	err = json.Unmarshal(raw, &def)
	return id, ver, def, err
}

// OnlineServices are the services with a published form: those that can be
// applied for online (catalog.Options.Online).
func OnlineServices(ctx context.Context, tx pgx.Tx) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT service_id FROM service_forms WHERE status = 'published'`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// formDefinition returns a form version's definition.
func formDefinition(ctx context.Context, tx pgx.Tx, id uuid.UUID) (forms.Definition, error) {
	var (
		raw []byte
		def forms.Definition
	)
	if err := tx.QueryRow(ctx, `SELECT definition FROM service_forms WHERE id = $1`, id).Scan(&raw); err != nil {
		return def, err
	}
	err := json.Unmarshal(raw, &def)
	return def, err
}

// PublishForm makes def the published form of the service with code,
// superseding the one before; the first version is 1. Used by the demo
// loader and the form editor once a proposal is approved.
func PublishForm(ctx context.Context, tx pgx.Tx, serviceCode string, def forms.Definition, by *uuid.UUID) (int, error) {
	if _, err := forms.Compile(def, nil); err != nil {
		return 0, err
	}
	var service uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT id FROM services WHERE code = $1`, serviceCode).Scan(&service); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, catalog.ErrNotFound
		}
		return 0, err
	}
	tenant.Changed(ctx, tenant.PublicChannel)
	if _, err := tx.Exec(ctx, `UPDATE service_forms SET status = 'superseded' WHERE service_id = $1 AND status = 'published'`, service); err != nil {
		return 0, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return 0, err
	}
	var ver int
	err = tx.QueryRow(ctx, `INSERT INTO service_forms (tenant_id, id, service_id, version, definition, status, submitted_by, decided_by, decided_at)
		SELECT app_tenant_id(), $1, $2, coalesce(max(version), 0) + 1, $3, 'published', $4, $4, now() FROM service_forms WHERE service_id = $2
		RETURNING version`, id, service, mustJSON(def), by).Scan(&ver)
	return ver, err
}

// nextNumberSQL takes the city's next application number of year ($1): the
// counter's row stays locked until the transaction ends.
const nextNumberSQL = `INSERT INTO application_counters (tenant_id, year, last) VALUES (app_tenant_id(), $1, 1)
		ON CONFLICT (tenant_id, year) DO UPDATE SET last = application_counters.last + 1 RETURNING last`

// queueNumber queues nextNumberSQL on b (the submission's pipeline, last of
// its batch): once b is sent, *number is the number.
func queueNumber(b *pgx.Batch, year int, number *string) {
	b.Queue(nextNumberSQL, year).QueryRow(func(row pgx.Row) error {
		var n int
		if err := row.Scan(&n); err != nil {
			return fmt.Errorf("applications: the number: %w", err)
		}
		*number = formatNumber(year, n)
		return nil
	})
}

// formatNumber is the application's number: "2026-000123".
func formatNumber(year, n int) string { return fmt.Sprintf("%d-%06d", year, n) }

// refusalGrounds are a service's grounds for refusal (seed 003 annex 1),
// from catalog's content of the service.
func refusalGrounds(ctx context.Context, tx pgx.Tx, service uuid.UUID) ([]tenant.Text, error) {
	var raw []byte
	if err := tx.QueryRow(ctx, `SELECT coalesce(content->'refusal_grounds', '[]') FROM services WHERE id = $1`, service).Scan(&raw); err != nil {
		return nil, fmt.Errorf("applications: refusal grounds: %w", err)
	}
	var list []tenant.Text
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("applications: refusal grounds: %w", err)
	}
	return list, nil
}

// publishedService is the id and provider of the published service with
// code; ErrNoForm when there is none.
func publishedService(ctx context.Context, tx pgx.Tx, code string) (service, provider uuid.UUID, err error) {
	err = tx.QueryRow(ctx, `SELECT id, provider_id FROM services WHERE code = $1 AND published_at IS NOT NULL`, code).Scan(&service, &provider)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, uuid.Nil, ErrNoForm
	}
	if err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("applications: service %s: %w", code, err)
	}
	return service, provider, nil
}

// latestDraft is the owner's latest draft of the service, uuid.Nil for
// none.
func latestDraft(ctx context.Context, tx pgx.Tx, o Owner, service uuid.UUID) (uuid.UUID, error) {
	where, args := ownerWhere(o, 2)
	var id uuid.UUID
	err := tx.QueryRow(ctx, `SELECT a.id FROM applications a WHERE a.service_id = $1 AND a.status = 'draft' AND `+where+
		` ORDER BY a.updated_at DESC LIMIT 1`, append([]any{service}, args...)...).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, nil
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("applications: the owner's draft: %w", err)
	}
	return id, nil
}

// newDraft is what a new draft is made of.
type newDraft struct {
	Service, Provider, Form, Applicant uuid.UUID
	Owner                              Owner // the legal entity it is filed for, if any
	Data                               map[string]any
}

// insertDraft stores a new draft and returns its id.
func insertDraft(ctx context.Context, tx pgx.Tx, d newDraft) (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO applications (tenant_id, id, service_id, provider_id, form_id, applicant_id, edrpou, org_name, data)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8)`, id, d.Service, d.Provider, d.Form, d.Applicant, d.Owner.EDRPOU, d.Owner.OrgName, mustJSON(d.Data))
	if err != nil {
		return uuid.Nil, fmt.Errorf("applications: a new draft: %w", err)
	}
	return id, nil
}

// saveDraft stores a draft's values and the step it has reached.
func saveDraft(ctx context.Context, tx pgx.Tx, id uuid.UUID, data map[string]any, step int) error {
	if _, err := tx.Exec(ctx, `UPDATE applications SET data = $2, step = $3 WHERE id = $1`, id, mustJSON(data), step); err != nil {
		return fmt.Errorf("applications: saving draft %s: %w", id, err)
	}
	return nil
}

// deleteAttachment removes an attachment of an application.
func deleteAttachment(ctx context.Context, tx pgx.Tx, app, file uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM application_files WHERE application_id = $1 AND id = $2 AND kind = 'attachment'`, app, file); err != nil {
		return fmt.Errorf("applications: removing an attachment of %s: %w", app, err)
	}
	return nil
}

// deleteDraft deletes an application (the database refuses it for one
// that is no longer a draft).
func deleteDraft(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM applications WHERE id = $1`, id); err != nil {
		return fmt.Errorf("applications: deleting draft %s: %w", id, err)
	}
	return nil
}

// submissionKey is the idempotency key an application was submitted with,
// "" before its submission.
func submissionKey(ctx context.Context, tx pgx.Tx, id uuid.UUID) (string, error) {
	var key string
	if err := tx.QueryRow(ctx, `SELECT coalesce(idempotency_key, '') FROM applications WHERE id = $1`, id).Scan(&key); err != nil {
		return "", fmt.Errorf("applications: the submission's key: %w", err)
	}
	return key, nil
}

// serviceTerm is a service's term for a result, from catalog's content of
// the service.
func serviceTerm(ctx context.Context, tx pgx.Tx, service uuid.UUID) (catalog.Term, error) {
	var term catalog.Term
	if err := tx.QueryRow(ctx, `SELECT coalesce(content->'term', '{}') FROM services WHERE id = $1`, service).Scan(&term); err != nil {
		return term, fmt.Errorf("applications: the service's term: %w", err)
	}
	return term, nil
}

// serviceTermFee is the service's term and fee in one read (the
// submission needs both).
func serviceTermFee(ctx context.Context, tx pgx.Tx, service uuid.UUID) (catalog.Term, catalog.Fee, error) {
	var (
		term catalog.Term
		fee  catalog.Fee
	)
	err := tx.QueryRow(ctx, `SELECT coalesce(content->'term', '{}'), coalesce(content->'fee', '{"free": true}') FROM services WHERE id = $1`, service).Scan(&term, &fee)
	if err != nil {
		return term, fee, fmt.Errorf("applications: the service's term and fee: %w", err)
	}
	return term, fee, nil
}

// received is what the submission records of a signed application.
type received struct {
	Number               string
	Canonical, Signature []byte
	SignerRNOKPP         string
	SignerName           string
	SignedAt, SentAt     time.Time
	DueOn                time.Time
	Key                  string // the idempotency key
}

// recordReceivedSQL locks a draft as received: its number, signed bytes,
// signature, signer, deadline and idempotency key.
const recordReceivedSQL = `UPDATE applications SET status = 'received', number = $2, canonical = $3, signature = $4, signer_rnokpp = $5,
		signer_name = $6, signed_at = $7, sent_at = $8, received_at = clock_timestamp(), due_on = $9, idempotency_key = $10 WHERE id = $1`

// queueReceived queues recordReceivedSQL on b (the submission's last
// batch, with its number): a unique violation (another submission got
// there first) is the batch's error as ErrTransition.
func queueReceived(b *pgx.Batch, id uuid.UUID, r received) {
	b.Queue(recordReceivedSQL, id, r.Number, r.Canonical, r.Signature, r.SignerRNOKPP, r.SignerName, r.SignedAt, r.SentAt, r.DueOn, r.Key).Fn =
		func(br pgx.BatchResults) error {
			_, err := br.Exec()
			if tenant.IsUnique(err) {
				return ErrTransition
			}
			return err
		}
}

// setStatus moves an application to a status (the caller checked the
// move; the history row is addEvent's).
func setStatus(ctx context.Context, tx pgx.Tx, id uuid.UUID, to Status) error {
	if _, err := tx.Exec(ctx, `UPDATE applications SET status = $2 WHERE id = $1`, id, string(to)); err != nil {
		return fmt.Errorf("applications: %s to %s: %w", id, to, err)
	}
	return nil
}

// setAssignee records the official who took an application into work.
func setAssignee(ctx context.Context, tx pgx.Tx, id, official uuid.UUID) error {
	if _, err := tx.Exec(ctx, `UPDATE applications SET assignee_id = $2 WHERE id = $1`, id, official); err != nil {
		return fmt.Errorf("applications: assigning %s: %w", id, err)
	}
	return nil
}

// decision is an official's decision as an application records it (seed
// 003 §5.8): approved or refused, the grounds of a refusal, who with
// their position and full name, and when.
type decision struct {
	Status  Status
	Grounds string
	By      *Staff
	At      time.Time
}

// recordDecision records a decision on an application.
func recordDecision(ctx context.Context, tx pgx.Tx, id uuid.UUID, d decision) error {
	_, err := tx.Exec(ctx, `UPDATE applications SET decision = $2, grounds = $3, decided_by = $4, decided_position = $5, decided_name = $6,
		decided_at = $7 WHERE id = $1`, id, string(d.Status), d.Grounds, d.By.AccountID, d.By.Position, d.By.FullName, d.At)
	if err != nil {
		return fmt.Errorf("applications: the decision on %s: %w", id, err)
	}
	return nil
}

// serviceNames are the codes and names of a provider's services.
func serviceNames(ctx context.Context, tx pgx.Tx, provider uuid.UUID) ([]ServiceName, error) {
	rows, err := tx.Query(ctx, `SELECT code, content->'name' FROM services WHERE provider_id = $1 AND content IS NOT NULL ORDER BY code`, provider)
	if err != nil {
		return nil, fmt.Errorf("applications: the provider's services: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ServiceName])
}

// providerCode is a provider's code, as a decision record names it.
func providerCode(ctx context.Context, tx pgx.Tx, provider uuid.UUID) (string, error) {
	var code string
	if err := tx.QueryRow(ctx, `SELECT code FROM providers WHERE id = $1`, provider).Scan(&code); err != nil {
		return "", fmt.Errorf("applications: provider %s: %w", provider, err)
	}
	return code, nil
}
