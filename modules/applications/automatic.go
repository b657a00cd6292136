package applications

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hromada/modules/docstore"
	"hromada/modules/notify"
	"hromada/tenant"
)

// Automatic mode (seed 003 §5.5–5.13): after a signed application of a
// service that may run so is received, a chain of River jobs — verify
// (registry checks, then in its transaction the decision by the service's
// rule set) → render (the result PDF, sealed with the provider's e-seal and
// put in the document store, with SHA-256 in PostgreSQL, then in its
// transaction the result issued and the applicant's notice posted): two
// jobs since issue 24. The decide, seal, store and notify jobs remain for
// runs an earlier version left between those steps.
// Each job is inserted in the previous one's transaction, checks
// automatic_runs.step before it acts (so a repeated job does nothing
// twice) and is unique by its arguments. When a
// step cannot succeed — no rule set, a registry that fails or talks
// nonsense, a step out of attempts — the application goes to the
// provider's officials with the reason in its history; it is never lost.

// Registry answers the rule sets' lookups (modules/registries, wired by
// the root). A lookup that finds no record returns ErrNoRecord.
type Registry interface {
	Lookup(ctx context.Context, lookup, subject, purpose string) (any, error)
	// Explain says in Ukrainian, for the officials, why a lookup failed
	// ("Реєстр не відповів вчасно").
	Explain(err error) string
	// Retryable says whether trying later may help (a timeout, not a
	// malformed answer).
	Retryable(err error) bool
}

// ErrNoRecord is a registry's "no such record": a fact, not a failure.
var ErrNoRecord = errors.New("applications: the registry has no such record")

// Results renders and seals result documents (modules/documents, wired by
// the root).
type Results interface {
	Render(ctx context.Context, r ResultData) ([]byte, error)
	// Seal seals a PDF with the provider's e-seal: the PDF to store
	// (signed as PAdES where supported) and a detached CAdES signature
	// over exactly those bytes, with the seal holder's name.
	Seal(ctx context.Context, provider uuid.UUID, pdf []byte) (stored, cms []byte, holder string, err error)
}

// ResultData is what a result document shows (seed 003 §5.8).
type ResultData struct {
	DocumentID uuid.UUID
	ProviderID uuid.UUID
	City       string
	CoatOfArms string
	Provider   string
	Title      string
	Number     string
	IssuedAt   time.Time
	Applicant  string
	RNOKPP     string
	OrgName    string
	EDRPOU     string
	Service    string
	Decision   string // approved | refused
	Grounds    string
	Facts      [][2]string // label, value
	Signer     string      // "Автоматично, без участі посадової особи" and the seal's holder
	VerifyURL  string
	// An official's decision (Issue) names the official and is signed
	// by them, not sealed: FullName set means so.
	Position, FullName string
	DecidedAt          time.Time
	Comment            string
	// AppealTo and AppealTerms say how to appeal a refusal; ComplaintURL
	// is where the applicant files a complaint about it online.
	AppealTo, AppealTerms, ComplaintURL string
}

// Pipeline runs automatic mode.
type Pipeline struct {
	Svc      *Service
	Registry Registry
	Results  Results
	// VerifyURL is the public address of a document's verification page
	// (the QR code's target) in the tenant's portal.
	VerifyURL func(t *tenant.Tenant, document uuid.UUID) string
	// RetryAfter is the wait after a failed attempt; MaxAttempts bounds
	// the attempts of a step, after which the application goes to the
	// officials.
	RetryAfter  func(attempt int) time.Duration
	MaxAttempts int
	// Log receives what no one waits for: a step given up on and every
	// failure on the way to the officials. nil logs with Svc's logger.
	Log *slog.Logger
}

// log is the pipeline's logger.
func (p *Pipeline) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return p.Svc.log()
}

// The pipeline's job arguments, one kind per step.
type (
	// DecideArgs decides on the facts gathered.
	DecideArgs struct {
		tenant.Envelope
		ApplicationID uuid.UUID `json:"application_id"`
	}
	// RenderArgs renders the result document.
	RenderArgs struct {
		tenant.Envelope
		ApplicationID uuid.UUID `json:"application_id"`
	}
	// SealArgs seals it.
	SealArgs struct {
		tenant.Envelope
		ApplicationID uuid.UUID `json:"application_id"`
	}
	// StoreArgs stores it for good and issues it.
	StoreArgs struct {
		tenant.Envelope
		ApplicationID uuid.UUID `json:"application_id"`
	}
	// NotifyArgs tells the applicant.
	NotifyArgs struct {
		tenant.Envelope
		ApplicationID uuid.UUID `json:"application_id"`
	}
)

// Kind implements river.JobArgs.
func (DecideArgs) Kind() string { return "applications.decide" }

// Kind implements river.JobArgs.
func (RenderArgs) Kind() string { return "applications.render" }

// Kind implements river.JobArgs.
func (SealArgs) Kind() string { return "applications.seal" }

// Kind implements river.JobArgs.
func (StoreArgs) Kind() string { return "applications.store" }

// Kind implements river.JobArgs.
func (NotifyArgs) Kind() string { return "applications.notify" }

// Queues: decisions and documents in QueueAutomatic; the notify job of
// the runs an earlier version left at step 'notify' in QueueNotify (the
// queue of notify's normal lane). New runs post the result's notice in
// the render job's transaction: a few inserts in the outbox, while the
// deliveries — the slow part a flood of which must not starve decisions —
// are notify's jobs, in notify's lanes, as they always were.
const (
	QueueAutomatic = "automatic"
	QueueNotify    = "notify"
)

// InsertOpts implements river.JobArgsWithInsertOpts: one job per step and
// application.
func (AutomaticArgs) InsertOpts() river.InsertOpts { return stepOpts(QueueAutomatic) }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (DecideArgs) InsertOpts() river.InsertOpts { return stepOpts(QueueAutomatic) }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (RenderArgs) InsertOpts() river.InsertOpts { return stepOpts(QueueAutomatic) }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SealArgs) InsertOpts() river.InsertOpts { return stepOpts(QueueAutomatic) }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (StoreArgs) InsertOpts() river.InsertOpts { return stepOpts(QueueAutomatic) }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (NotifyArgs) InsertOpts() river.InsertOpts { return stepOpts(QueueNotify) }

func stepOpts(queue string) river.InsertOpts {
	return river.InsertOpts{Queue: queue, MaxAttempts: defaultAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

const defaultAttempts = 5

// run is an application's automatic_runs row.
type run struct {
	Step       string
	Facts      map[string]any
	Outcome    Outcome
	RulesID    *uuid.UUID
	DocumentID *uuid.UUID
}

const selectRun = `SELECT step, facts, outcome, rules_id, document_id FROM automatic_runs WHERE application_id = $1`

func loadRun(ctx context.Context, tx pgx.Tx, app uuid.UUID, forUpdate bool) (*run, error) {
	return scanRun(tx.QueryRow(ctx, runQuery(forUpdate), app))
}

// queueRun is loadRun queued on b, into *r (nil when there is no run).
func queueRun(b *pgx.Batch, app uuid.UUID, forUpdate bool, r **run) {
	b.Queue(runQuery(forUpdate), app).QueryRow(func(row pgx.Row) error {
		var err error
		*r, err = scanRun(row)
		return err
	})
}

func runQuery(forUpdate bool) string {
	if forUpdate {
		return selectRun + " FOR UPDATE"
	}
	return selectRun
}

// scanRun is a run read by selectRun; nil when there is none.
func scanRun(row pgx.Row) (*run, error) {
	var (
		r              run
		facts, outcome []byte
	)
	err := row.Scan(&r.Step, &facts, &outcome, &r.RulesID, &r.DocumentID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.Facts = map[string]any{}
	if err := json.Unmarshal(facts, &r.Facts); err != nil {
		return nil, fmt.Errorf("applications: the automatic run's facts: %w", err)
	}
	if err := json.Unmarshal(outcome, &r.Outcome); err != nil {
		return nil, fmt.Errorf("applications: the automatic run's outcome: %w", err)
	}
	return &r, nil
}

func setStep(ctx context.Context, tx pgx.Tx, app uuid.UUID, step string) error {
	_, err := tx.Exec(ctx, `UPDATE automatic_runs SET step = $2, updated_at = now(),
		finished_at = CASE WHEN $2 IN ('done', 'manual') THEN now() END WHERE application_id = $1`, app, step)
	return err
}

// toOfficials ends automatic mode for an application: its run is marked
// manual with the reason, the reason is written in its history and the
// provider's officials are told. It is in their queue as received.
func (s *Service) toOfficials(ctx context.Context, tx pgx.Tx, app *Application, reason string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO automatic_runs (tenant_id, application_id, step, reason, finished_at)
		VALUES (app_tenant_id(), $1, 'manual', $2, now())
		ON CONFLICT (tenant_id, application_id) DO UPDATE SET step = 'manual', reason = $2, updated_at = now(), finished_at = now()`,
		app.ID, reason); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, app.ID, app.Status, app.Status, System, nil, "",
		"Автоматичний режим неможливий: "+reason+" Заяву передано посадовим особам надавача."); err != nil {
		return err
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	return s.newWork(ctx, tx, t.ID, app, time.Now())
}

func (p *Pipeline) insert(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error {
	if p.Svc.Insert == nil {
		return errors.New("applications: no job inserter")
	}
	return p.Svc.Insert(ctx, tx, args)
}

// storeWait is how long a step waits while the document store is out of
// reach (docstore.Unavailable): short, so that results follow within
// seconds of its return.
func storeWait(err error) (time.Duration, bool) {
	return 5 * time.Second, docstore.Unavailable(err)
}

// verified is what the verify step found outside its transaction.
type verified struct {
	App     *Application
	RulesID uuid.UUID
	Facts   map[string]any
	Manual  string // a reason to go to officials now
}

// AddWorkers registers the pipeline's River workers with workers: the two
// steps of new runs and the steps older versions left runs at.
func (p *Pipeline) AddWorkers(workers *river.Workers) {
	verify := tenant.NewStepWorker(p.Svc.DB, p.prepareVerify, p.commitVerify)
	render := tenant.NewStepWorker(p.Svc.DB, p.prepareRender, p.commitRender)
	seal := tenant.NewStepWorker(p.Svc.DB, p.prepareSeal, p.commitSeal)
	store := tenant.NewStepWorker(p.Svc.DB, p.prepareStore, p.commitStore)
	verify.RetryAfter, render.RetryAfter, seal.RetryAfter, store.RetryAfter = p.RetryAfter, p.RetryAfter, p.RetryAfter, p.RetryAfter
	// Verify's and render's commits find their step done under the run's
	// lock and do nothing, and their prepare phases then skip the
	// registries and the rendering: River's completer may mark them
	// completed after the commit (issue 24).
	verify.Guarded, render.Guarded = true, true
	// The steps that write to the document store wait for it while it is
	// out of reach instead of spending their attempts: handing the
	// application to the officials would not help them, who need the
	// store as much.
	render.Wait, seal.Wait, store.Wait = storeWait, storeWait, storeWait
	river.AddWorker(workers, verify)
	river.AddWorker(workers, tenant.NewWorker(p.Svc.DB, p.decide))
	river.AddWorker(workers, render)
	river.AddWorker(workers, seal)
	river.AddWorker(workers, store)
	river.AddWorker(workers, tenant.NewWorker(p.Svc.DB, p.notify))
}

// prepareVerify reads the application and its service's rule set, then
// asks the registries, outside any transaction.
func (p *Pipeline) prepareVerify(ctx context.Context, job *river.Job[AutomaticArgs]) (verified, error) {
	var v verified
	// The application and its service's published rule set's id in one
	// round trip (a read-only transaction sent as one pipeline); the
	// rules themselves from the cache.
	b := &pgx.Batch{}
	queueApplicationByID(b, job.Args.ApplicationID, false, &v.App)
	b.Queue(`SELECT id FROM service_rules WHERE service_id = (SELECT service_id FROM applications WHERE id = $1) AND status = 'published'`,
		job.Args.ApplicationID).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&v.RulesID)
		if errors.Is(err, pgx.ErrNoRows) {
			v.Manual = "для послуги ще не оприлюднено правил автоматичного режиму."
			return nil
		}
		return err
	})
	// The run too: a job repeated after its commit (its completion is
	// River's, after the commit: Guarded) finds it past this step — or
	// handed to the officials, the application still received — and asks
	// no registry again; the commit then does nothing.
	var r *run
	queueRun(b, job.Args.ApplicationID, false, &r)
	if err := p.Svc.DB.ReadBatch(ctx, b); err != nil || v.Manual != "" || v.App.Status != Received || r != nil && r.Step != "verify" {
		return v, err
	}
	rs, err := p.rules(ctx, v.RulesID)
	if err != nil {
		return v, err
	}
	v.Facts = map[string]any{}
	for _, c := range rs.Checks {
		subject := v.App.RNOKPP
		if f, ok := strings.CutPrefix(c.Subject, "field:"); ok {
			subject = fmt.Sprint(v.App.Data[f])
		}
		purpose := c.Purpose
		if purpose == "" {
			purpose = v.App.ServiceCode
		}
		ans, err := p.Registry.Lookup(ctx, c.Lookup, subject, purpose)
		switch {
		case errors.Is(err, ErrNoRecord):
			v.Facts[c.Name+".found"] = false
		case err != nil && p.Registry.Retryable(err):
			return v, err // River retries; after the last attempt HandleError sends it to the officials
		case err != nil:
			v.Manual = p.Registry.Explain(err) + " (" + c.Lookup + ")."
			return v, nil
		default:
			for k, val := range Flatten(c.Name, ans) {
				v.Facts[k] = val
			}
		}
	}
	return v, nil
}

// commitVerify writes what the registries said and decides on it in the
// same transaction (issue 24: the decision was a job of its own, a hop
// through River and two transactions more for every result, for work that
// needs nothing from outside the database). The application's row and its
// run, both under FOR UPDATE, are the guard: a repeated commit finds the
// application decided or the run past 'verify' and does nothing.
func (p *Pipeline) commitVerify(ctx context.Context, tx pgx.Tx, job *river.Job[AutomaticArgs], v verified) error {
	// Both locks in one round trip, the application's first.
	var (
		l appLock
		r *run
	)
	b := &pgx.Batch{}
	l.queue(b, job.Args.ApplicationID)
	queueRun(b, job.Args.ApplicationID, true, &r)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	app, err := l.current(ctx, tx, v.App)
	if err != nil {
		return err
	}
	if app.Status != Received || (r != nil && r.Step != "verify") {
		return nil // done already, or taken by an official
	}
	if v.Manual != "" {
		return p.Svc.toOfficials(ctx, tx, app, v.Manual)
	}
	return p.decideOn(ctx, tx, job.Args.Envelope, app, v.RulesID, v.Facts)
}

// appLock is an application's row locked for the rest of a transaction
// by a batch (queue), with its status and updated_at then.
type appLock struct {
	id     uuid.UUID
	status Status
	at     time.Time
}

// queue queues the lock of application id on b.
func (l *appLock) queue(b *pgx.Batch, id uuid.UUID) {
	l.id = id
	b.Queue(`SELECT status, updated_at FROM applications WHERE id = $1 FOR UPDATE`, id).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&l.status, &l.at)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
}

// current is the locked application as it is now: read, which the job
// read a moment before in its prepare phase, when the row has not changed
// since (the same status and updated_at, which every UPDATE of an
// application sets), else the row read again. The full read is a
// five-table join; the lock alone is a primary-key lookup, and a job's
// commit finds the row unchanged in all but a race with an official.
func (l *appLock) current(ctx context.Context, tx pgx.Tx, read *Application) (*Application, error) {
	if read == nil || read.ID != l.id || l.status != read.Status || !l.at.Equal(read.UpdatedAt) {
		return applicationByID(ctx, tx, l.id, true)
	}
	// A copy: the caller may change it (issued sets the status), and a
	// retried commit must start from what prepare read.
	same := *read
	return &same, nil
}

// decide finishes the runs an earlier version left at step 'decide', with
// the facts its verify step wrote and a DecideArgs job; new runs decide in
// verify's commit.
func (p *Pipeline) decide(ctx context.Context, tx pgx.Tx, job *river.Job[DecideArgs]) error {
	app, err := applicationByID(ctx, tx, job.Args.ApplicationID, true)
	if err != nil {
		return err
	}
	r, err := loadRun(ctx, tx, app.ID, true)
	if err != nil || r == nil || r.Step != "decide" || app.Status != Received {
		return err
	}
	if r.RulesID == nil {
		return errNoRuleSet
	}
	return p.decideOn(ctx, tx, job.Args.Envelope, app, *r.RulesID, r.Facts)
}

// decideOn applies the rule set to the facts and the form's data and
// inserts the render job, for an application still received whose run the
// caller holds under FOR UPDATE at step 'verify' (or without a row yet) or
// 'decide'. The run's row is written once, with the facts, the outcome and
// the next step.
func (p *Pipeline) decideOn(ctx context.Context, tx pgx.Tx, env tenant.Envelope, app *Application, rulesID uuid.UUID, facts map[string]any) error {
	rs, err := ruleSet(ctx, tx, rulesID)
	if err != nil {
		return err
	}
	out := rs.Evaluate(facts, app.Data)
	if out.Decision == "manual" {
		// The facts and the outcome stay for the officials to read;
		// toOfficials then marks the run manual.
		if err := saveRun(ctx, tx, app.ID, "decide", rulesID, facts, out, nil); err != nil {
			return err
		}
		return p.Svc.toOfficials(ctx, tx, app, strings.Join(out.Reasons, "; ")+".")
	}
	to := Approved
	if out.Decision == "refuse" {
		to = Refused
	}
	doc, err := uuid.NewV7()
	if err != nil {
		return err
	}
	// The decision's four writes in one round trip.
	b := &pgx.Batch{}
	b.Queue(`UPDATE applications SET status = $2, decision = $2, grounds = $3, decided_position = $4,
		decided_name = $5, decided_at = now() WHERE id = $1`, app.ID, string(to), out.Ground, automaticPosition, "")
	if err := queueEvents(b, app.ID, transition{from: Received, to: InReview, kind: System, comment: "Дані перевірено в реєстрах автоматично."},
		transition{from: InReview, to: to, kind: System, comment: out.Ground}); err != nil {
		return err
	}
	b.Queue(saveRunSQL, runArgs(app.ID, "render", rulesID, facts, out, &doc)...)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	return p.insert(ctx, tx, RenderArgs{Envelope: env, ApplicationID: app.ID})
}

// saveRun writes an application's run in one statement: its step, the
// rule set, the facts, the outcome and the result's document id.
func saveRun(ctx context.Context, tx pgx.Tx, app uuid.UUID, step string, rulesID uuid.UUID, facts map[string]any, out Outcome, doc *uuid.UUID) error {
	_, err := tx.Exec(ctx, saveRunSQL, runArgs(app, step, rulesID, facts, out, doc)...)
	return err
}

const saveRunSQL = `INSERT INTO automatic_runs (tenant_id, application_id, rules_id, step, facts, outcome, document_id)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id, application_id) DO UPDATE SET step = $3, rules_id = $2, facts = $4, outcome = $5, document_id = $6, updated_at = now()`

// runArgs are saveRunSQL's arguments.
func runArgs(app uuid.UUID, step string, rulesID uuid.UUID, facts map[string]any, out Outcome, doc *uuid.UUID) []any {
	return []any{app, rulesID, step, mustJSON(facts), mustJSON(out), doc}
}

// ruleSets keeps parsed rule sets by tenant and id. A rule set's rules
// never change once written (a new version is a new row; publishing only
// marks the old one superseded), and decide and render both need one for
// every application: without the cache each result read the jsonb and
// parsed it twice. The id always comes from the tenant's own run, read
// under its row-level security, and the tenant is part of the key. At
// most ruleSetsMax are kept; past that the cache starts again.
var ruleSets = struct {
	sync.Mutex
	m map[[2]uuid.UUID]*RuleSet
}{m: map[[2]uuid.UUID]*RuleSet{}}

const ruleSetsMax = 512

// errNoRuleSet is a run that names no rule set (one an earlier version
// left without it): nothing to decide or render by.
var errNoRuleSet = errors.New("applications: the automatic run has no rule set")

// ruleSet is the rule set id of the tenant in ctx, parsed; callers only
// read it.
func ruleSet(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*RuleSet, error) {
	rs, key, err := cachedRuleSet(ctx, id)
	if err != nil || rs != nil {
		return rs, err
	}
	var raw []byte
	if err := tx.QueryRow(ctx, `SELECT rules FROM service_rules WHERE id = $1`, id).Scan(&raw); err != nil {
		return nil, err
	}
	rs = &RuleSet{}
	if err := json.Unmarshal(raw, rs); err != nil {
		return nil, err
	}
	ruleSets.Lock()
	if len(ruleSets.m) >= ruleSetsMax {
		clear(ruleSets.m)
	}
	ruleSets.m[key] = rs
	ruleSets.Unlock()
	return rs, nil
}

// cachedRuleSet is rule set id of the tenant in ctx if the cache has it
// (else nil), and its key in the cache.
func cachedRuleSet(ctx context.Context, id uuid.UUID) (*RuleSet, [2]uuid.UUID, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, [2]uuid.UUID{}, err
	}
	key := [2]uuid.UUID{t.ID, id}
	ruleSets.Lock()
	defer ruleSets.Unlock()
	return ruleSets.m[key], key, nil
}

// rules is ruleSet outside a transaction: from the cache, or else read in
// a read-only transaction of its own.
func (p *Pipeline) rules(ctx context.Context, id uuid.UUID) (*RuleSet, error) {
	rs, _, err := cachedRuleSet(ctx, id)
	if err != nil || rs != nil {
		return rs, err
	}
	err = p.Svc.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rs, err = ruleSet(ctx, tx, id)
		return err
	})
	return rs, err
}

// automaticPosition is what a decision made by the system records in the
// place of an official's position (seed 003 §5.8).
const automaticPosition = "Автоматично, без участі посадової особи"

// resultData gathers what the result document shows.
func (p *Pipeline) resultData(ctx context.Context, app *Application, r *run) (ResultData, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return ResultData{}, err
	}
	if r.RulesID == nil {
		return ResultData{}, errNoRuleSet
	}
	rs, err := p.rules(ctx, *r.RulesID)
	if err != nil {
		return ResultData{}, err
	}
	d := ResultData{DocumentID: *r.DocumentID, ProviderID: app.ProviderID, City: t.Name, CoatOfArms: t.Branding.CoatOfArms, Provider: app.ProviderName.UK,
		Title: rs.Result.Title.UK, Number: app.Number, Applicant: app.Applicant, RNOKPP: app.RNOKPP, OrgName: app.OrgName, EDRPOU: app.EDRPOU,
		Service: app.ServiceName.UK, Decision: app.Decision, Grounds: app.Grounds, Signer: automaticPosition}
	if app.DecidedAt != nil {
		d.IssuedAt = app.DecidedAt.In(tenant.Zone)
	}
	if app.Decision == string(Approved) {
		for _, f := range rs.Result.Facts {
			if v, ok := r.Facts[f.Fact]; ok && v != nil {
				d.Facts = append(d.Facts, [2]string{f.Label.UK, factText(v)})
			}
		}
	}
	if p.VerifyURL != nil {
		d.VerifyURL = p.VerifyURL(t, d.DocumentID)
		if app.Decision == string(Refused) {
			d.ComplaintURL = complaintURL(d.VerifyURL, app.ID)
		}
	}
	return d, nil
}

// Temporary keys of a result between the steps: rendering is deterministic
// and sealing reuses what an earlier attempt sealed, so a repeated step
// makes the same document.
func resultKey(t uuid.UUID, app uuid.UUID, name string) string {
	return docstore.TenantKey(t, "applications/"+app.String()+"/"+name)
}

// prepareRender renders, seals and stores the result as one step: the
// PDF is rendered, sealed with the provider's seal, kept under a temporary
// key (so that a repeated attempt stores the same sealed bytes, never a
// second seal) and stored for good, all outside the transaction; the
// transaction (commitRender) then issues it. It was three jobs (render,
// seal, store), each its own hop through River with two transactions and
// the document passed between them through the store; as one step a result
// costs two jobs fewer (issue 24). Exactly-once rests on what it did
// before: rendering is deterministic, a seal is reused once made, storing
// the same bytes again is a no-op, and the run's step is checked under lock
// in the transaction.
func (p *Pipeline) prepareRender(ctx context.Context, job *river.Job[RenderArgs]) (storedDoc, error) {
	tid, id := job.Args.TenantID, job.Args.ApplicationID
	var (
		d   ResultData
		app *Application
		r   *run
		sd  storedDoc
	)
	// The run and the application in one round trip (a read-only
	// transaction sent as one pipeline); the application is read even
	// when the run turns out to be past this step, which is rare.
	b := &pgx.Batch{}
	queueRun(b, id, false, &r)
	b.Queue(selectApplication+"WHERE a.id = $1", id).QueryRow(func(row pgx.Row) error {
		var err error
		if app, err = scanApplication(row); errors.Is(err, ErrNotFound) {
			return nil // only an error if the run is at this step: below
		}
		return err
	})
	if err := p.Svc.DB.ReadBatch(ctx, b); err != nil {
		return sd, err
	}
	if sd.Skip = r == nil || r.Step != "render"; sd.Skip {
		return sd, nil
	}
	if app == nil {
		return sd, ErrNotFound
	}
	d, err := p.resultData(ctx, app, r)
	if err != nil {
		return sd, err
	}
	sd.Title = d.Title
	s, err := p.sealResult(ctx, tid, id, app, func() ([]byte, error) { return p.Results.Render(ctx, d) })
	if err != nil {
		return sd, err
	}
	return p.storeResult(ctx, tid, app, r, s, sd)
}

func (p *Pipeline) commitRender(ctx context.Context, tx pgx.Tx, job *river.Job[RenderArgs], sd storedDoc) error {
	return p.issue(ctx, tx, job.Args.ApplicationID, "render", sd)
}

// advance moves a run from one step to the next and inserts the next job,
// unless the step was done already.
func (p *Pipeline) advance(ctx context.Context, tx pgx.Tx, app uuid.UUID, from, to string, skipped bool, next tenant.JobArgs) error {
	r, err := loadRun(ctx, tx, app, true)
	if err != nil || skipped || r == nil || r.Step != from {
		return err
	}
	if err := setStep(ctx, tx, app, to); err != nil {
		return err
	}
	return p.insert(ctx, tx, next)
}

// sealed is a sealed result waiting to be stored.
type sealed struct {
	PDF, CMS []byte
	Holder   string
}

// sealResult returns the result sealed: what an earlier attempt sealed and
// kept, or else the PDF that unsealed gives, sealed now and kept before it
// is stored anywhere for good.
func (p *Pipeline) sealResult(ctx context.Context, tid, id uuid.UUID, app *Application, unsealed func() ([]byte, error)) (sealed, error) {
	if s, err := p.keptSeal(ctx, tid, id); err == nil {
		return s, nil
	}
	doc, err := unsealed()
	if err != nil {
		return sealed{}, err
	}
	pdf, cms, holder, err := p.Results.Seal(ctx, app.ProviderID, doc)
	if err != nil {
		return sealed{}, err
	}
	s := sealed{PDF: pdf, CMS: cms, Holder: holder}
	b := s.bundle()
	if _, err := p.Svc.Docs.Put(ctx, resultKey(tid, id, sealedBundle), bytes.NewReader(b), int64(len(b)), "application/octet-stream"); err != nil {
		return sealed{}, err
	}
	return s, nil
}

// sealedBundle is the temporary key of a sealed result: the PDF, its
// detached signature and the seal's holder in one object — one write
// (and one fsync) where it was three.
const sealedBundle = "result-sealed.bundle"

// keptSeal is the sealed result an earlier attempt kept: the bundle, or
// the three objects an earlier version kept (result-sealed.pdf, .p7s,
// .holder).
func (p *Pipeline) keptSeal(ctx context.Context, tid, id uuid.UUID) (sealed, error) {
	b, err := readAll(ctx, p.Svc.Docs, resultKey(tid, id, sealedBundle))
	if err == nil {
		return unbundle(b)
	}
	if !errors.Is(err, docstore.ErrNotFound) {
		return sealed{}, err
	}
	var s sealed
	if s.PDF, err = readAll(ctx, p.Svc.Docs, resultKey(tid, id, "result-sealed.pdf")); err != nil {
		return sealed{}, err
	}
	if s.CMS, err = readAll(ctx, p.Svc.Docs, resultKey(tid, id, "result-sealed.p7s")); err != nil {
		return sealed{}, err
	}
	holder, err := readAll(ctx, p.Svc.Docs, resultKey(tid, id, "result-sealed.holder"))
	s.Holder = string(holder)
	return s, err
}

// bundle is the PDF, the signature and the holder, each after its length
// (4 bytes, big-endian).
func (s sealed) bundle() []byte {
	b := make([]byte, 0, 12+len(s.PDF)+len(s.CMS)+len(s.Holder))
	for _, part := range [][]byte{s.PDF, s.CMS, []byte(s.Holder)} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(part)))
		b = append(b, part...)
	}
	return b
}

func unbundle(b []byte) (sealed, error) {
	var parts [3][]byte
	for i := range parts {
		if len(b) < 4 || uint64(len(b)-4) < uint64(binary.BigEndian.Uint32(b)) {
			return sealed{}, errors.New("applications: the kept sealed result is cut short")
		}
		n := binary.BigEndian.Uint32(b)
		parts[i], b = b[4:4+n], b[4+n:]
	}
	if len(b) != 0 {
		return sealed{}, errors.New("applications: the kept sealed result has bytes after its parts")
	}
	return sealed{PDF: parts[0], CMS: parts[1], Holder: string(parts[2])}, nil
}

// The seal and store jobs finish the runs an earlier version left between
// its three document steps (render → seal → store); new runs do all three
// in the render job.
func (p *Pipeline) prepareSeal(ctx context.Context, job *river.Job[SealArgs]) (sealed, error) {
	tid, id := job.Args.TenantID, job.Args.ApplicationID
	var (
		app  *Application
		skip bool
	)
	err := p.Svc.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		r, err := loadRun(ctx, tx, id, false)
		if err != nil {
			return err
		}
		skip = r == nil || r.Step != "seal"
		app, err = applicationByID(ctx, tx, id, false)
		return err
	})
	if err != nil || skip {
		return sealed{}, err
	}
	return p.sealResult(ctx, tid, id, app, func() ([]byte, error) {
		return readAll(ctx, p.Svc.Docs, resultKey(tid, id, "result-unsealed.pdf"))
	})
}

func (p *Pipeline) commitSeal(ctx context.Context, tx pgx.Tx, job *river.Job[SealArgs], s sealed) error {
	return p.advance(ctx, tx, job.Args.ApplicationID, "seal", "store", s.PDF == nil, StoreArgs{Envelope: job.Args.Envelope, ApplicationID: job.Args.ApplicationID})
}

func readAll(ctx context.Context, store docstore.Store, key string) ([]byte, error) {
	rc, err := store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// storedDoc is the result as stored for good.
type storedDoc struct {
	PDF, CMS     File
	Holder       string
	Skip         bool
	PDFKey       string
	CMSKey       string
	Title, Issue string
	// App is the application as the step's prepare phase read it.
	App *Application
}

func (p *Pipeline) prepareStore(ctx context.Context, job *river.Job[StoreArgs]) (storedDoc, error) {
	tid, id := job.Args.TenantID, job.Args.ApplicationID
	var (
		app *Application
		r   *run
		sd  storedDoc
	)
	err := p.Svc.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if r, err = loadRun(ctx, tx, id, false); err != nil {
			return err
		}
		sd.Skip = r == nil || r.Step != "store"
		if sd.Skip {
			return nil
		}
		app, err = applicationByID(ctx, tx, id, false)
		if err != nil {
			return err
		}
		var raw []byte
		if err := tx.QueryRow(ctx, `SELECT rules->'result'->'title'->>'uk' FROM service_rules WHERE id = $1`, r.RulesID).Scan(&raw); err != nil {
			return err
		}
		sd.Title = string(raw)
		return nil
	})
	if err != nil || sd.Skip {
		return sd, err
	}
	s, err := p.keptSeal(ctx, tid, id)
	if err != nil {
		return sd, err
	}
	return p.storeResult(ctx, tid, app, r, s, sd)
}

// storeResult stores the sealed result and its signature for good, under
// keys named by the document's id: storing the same bytes again is as
// good as done.
func (p *Pipeline) storeResult(ctx context.Context, tid uuid.UUID, app *Application, r *run, s sealed, sd storedDoc) (storedDoc, error) {
	sd.Holder, sd.App = s.Holder, app
	name := "rezultat-" + app.Number
	put := func(kind, fname, ctype string, b []byte) (File, error) {
		key := resultKey(tid, app.ID, "result/"+r.DocumentID.String()+"/"+fname)
		want := sha256Hex(b)
		_, err := p.Svc.Docs.PutDocument(ctx, key, bytes.NewReader(b), int64(len(b)), docstore.Meta{ContentType: ctype, Class: docstore.ClassResult,
			SHA256: want, Provenance: docstore.Provenance{Origin: app.ProviderName.UK, Destination: app.Applicant, SentAt: time.Now()}})
		if errors.Is(err, docstore.ErrExists) {
			// An earlier attempt stored it before its transaction was lost:
			// the same bytes are as good as stored now.
			if got, serr := p.Svc.Docs.Stat(ctx, key); serr == nil && got.SHA256 == want {
				err = nil
			}
		}
		return File{Kind: kind, Name: fname, ContentType: ctype, Size: int64(len(b)), SHA256: want, Key: key}, err
	}
	var err error
	if sd.PDF, err = put("result", name+".pdf", "application/pdf", s.PDF); err != nil {
		return sd, err
	}
	sd.CMS, err = put("result_signature", name+".pdf.p7s", "application/pkcs7-signature", s.CMS)
	return sd, err
}

func (p *Pipeline) commitStore(ctx context.Context, tx pgx.Tx, job *river.Job[StoreArgs], sd storedDoc) error {
	return p.issue(ctx, tx, job.Args.ApplicationID, "store", sd)
}

// issue records the stored result as issued and tells the applicant in
// the same transaction, unless the run has left the step from already: the
// run's row under FOR UPDATE is the guard, so a repeated commit issues and
// tells nothing twice. The notice was a job of its own (issue 24: a hop
// through River and a transaction for a few inserts); it is the same
// transactional outbox, so its deliveries still go out in the result
// notices' lane (notify.Urgent), the only place they ever went out from.
func (p *Pipeline) issue(ctx context.Context, tx pgx.Tx, id uuid.UUID, from string, sd storedDoc) error {
	app, err := p.issued(ctx, tx, id, from, sd)
	if err != nil || app == nil {
		return err
	}
	return p.tell(ctx, tx, app)
}

// issued records the stored result as issued and returns the application,
// or nil when the run has left the step from already.
func (p *Pipeline) issued(ctx context.Context, tx pgx.Tx, id uuid.UUID, from string, sd storedDoc) (*Application, error) {
	if sd.Skip {
		return nil, nil // nothing made: the run had left the step when prepare read it
	}
	// Both locks in one round trip, the run's first.
	var (
		l appLock
		r *run
	)
	b := &pgx.Batch{}
	queueRun(b, id, true, &r)
	l.queue(b, id)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	if r == nil || r.Step != from {
		return nil, nil
	}
	app, err := l.current(ctx, tx, sd.App)
	if err != nil {
		return nil, err
	}
	// The result's five writes in one round trip.
	b = &pgx.Batch{}
	for _, f := range []File{sd.PDF, sd.CMS} {
		if err := queueFile(b, id, f, nil); err != nil {
			return nil, err
		}
	}
	queueIssued(b, app, *r.DocumentID, sd.Title, sd.PDF, sd.CMS, sd.Holder, false)
	b.Queue(`UPDATE applications SET status = 'issued' WHERE id = $1`, id)
	if err := queueEvents(b, id, transition{from: app.Status, to: Issued, kind: System, comment: "Документ-результат скріплено електронною печаткою: " + sd.Holder + "."}); err != nil {
		return nil, err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	if err := p.Svc.refundIfRefused(ctx, tx, app); err != nil {
		return nil, err
	}
	app.Status = Issued
	return app, p.Svc.event(ctx, tx, "issue", app, uuid.Nil, "")
}

// tell posts the result's notice to the applicant of an issued
// application and ends its run.
func (p *Pipeline) tell(ctx context.Context, tx pgx.Tx, app *Application) error {
	if err := p.Svc.notify(ctx, tx, app, notify.KindResult, "notify."+string(app.Shown()), map[string]any{"Number": app.Number, "Service": app.ServiceName.UK}); err != nil {
		return err
	}
	return setStep(ctx, tx, app.ID, "done")
}

// maskName shows a person as the verification page may: the family name's
// first letter and the given names' initials.
func maskName(full string) string {
	parts := strings.Fields(full)
	for i, p := range parts {
		r := []rune(p)
		if len(r) > 0 {
			parts[i] = string(r[0]) + "."
		}
	}
	return strings.Join(parts, " ")
}

// notify finishes the runs an earlier version left at step 'notify' (its
// issue inserted a NotifyArgs job); new runs are told in issue.
func (p *Pipeline) notify(ctx context.Context, tx pgx.Tx, job *river.Job[NotifyArgs]) error {
	id := job.Args.ApplicationID
	r, err := loadRun(ctx, tx, id, true)
	if err != nil || r == nil || r.Step != "notify" {
		return err
	}
	app, err := applicationByID(ctx, tx, id, false)
	if err != nil {
		return err
	}
	return p.tell(ctx, tx, app)
}

// HandleError implements river.ErrorHandler: a pipeline step that fails
// its last attempt sends the application to the officials with the
// reason, in the tenant's transaction; the job is then discarded.
func (p *Pipeline) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	if job.Attempt < job.MaxAttempts || !strings.HasPrefix(job.Kind, "applications.") {
		return nil
	}
	reason := "крок «" + strings.TrimPrefix(job.Kind, "applications.") + "» не вдався після " + fmt.Sprint(job.Attempt) + " спроб."
	if job.Kind == (AutomaticArgs{}).Kind() && p.Registry != nil {
		reason = p.Registry.Explain(err) + "."
	}
	p.giveUp(ctx, job, reason, err)
	return nil
}

// HandlePanic implements river.ErrorHandler.
func (p *Pipeline) HandlePanic(ctx context.Context, job *rivertype.JobRow, v any, trace string) *river.ErrorHandlerResult {
	p.log().ErrorContext(ctx, "applications: a step of automatic mode panicked", "job", job.ID, "kind", job.Kind, "panic", fmt.Sprint(v), "trace", trace)
	return p.HandleError(ctx, job, fmt.Errorf("panic: %v", v))
}

// giveUp sends the job's application to the officials with the reason,
// unless its run is past the job's step.
// Nobody waits for a job: every failure here is logged, with the job's
// error that made it give up, since the application would otherwise stay
// in automatic mode with no one told.
func (p *Pipeline) giveUp(ctx context.Context, job *rivertype.JobRow, reason string, cause error) {
	log := p.log().With("job", job.ID, "kind", job.Kind, "attempt", job.Attempt, "reason", reason, "cause", cause)
	log.WarnContext(ctx, "applications: automatic mode gives up; the application goes to the officials")
	var args struct {
		tenant.Envelope
		ApplicationID uuid.UUID `json:"application_id"`
	}
	if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
		log.ErrorContext(ctx, "applications: giving up: the job's arguments do not decode", "error", err)
		return
	}
	if args.TenantID == uuid.Nil {
		log.ErrorContext(ctx, "applications: giving up: the job names no tenant")
		return
	}
	log = log.With("tenant", args.TenantID, "application", args.ApplicationID)
	t, err := tenant.ByID(ctx, p.Svc.DB.Pool(), args.TenantID)
	if err != nil {
		log.ErrorContext(ctx, "applications: giving up: reading the tenant", "error", err)
		return
	}
	step := strings.TrimPrefix(job.Kind, "applications.")
	if job.Kind == (AutomaticArgs{}).Kind() {
		step = "verify"
	}
	err = p.Svc.DB.Tx(tenant.With(ctx, t), func(ctx context.Context, tx pgx.Tx) error {
		app, err := applicationByID(ctx, tx, args.ApplicationID, true)
		if err != nil {
			return err
		}
		// The run past this job's step: an attempt that failed after
		// the step's commit had landed (a job repeated after a crash,
		// its completion being River's after the commit), or a run
		// handed over already. Nothing to give up: the result is on its
		// way, or the officials have it.
		r, err := loadRun(ctx, tx, app.ID, true)
		if err != nil || r != nil && r.Step != step {
			if err == nil {
				log.InfoContext(ctx, "applications: not giving up: the run is past the step", "step", r.Step)
			}
			return err
		}
		return p.Svc.toOfficials(ctx, tx, app, reason)
	})
	if err != nil {
		log.ErrorContext(ctx, "applications: giving up: handing the application to the officials", "error", err)
	}
}

// factText shows a fact as a document says it: a list of records as
// "Шевченко Максим Андрійович, син; …", numbers without ".0".
func factText(v any) string {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return "—"
		}
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, factText(e))
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		var parts []string
		for _, k := range []string{"name", "relation", "plate", "make", "year", "cadastral_number", "area_ha", "purpose"} {
			if e, ok := x[k]; ok && e != nil && e != "" {
				parts = append(parts, factText(e))
			}
		}
		return strings.Join(parts, ", ")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return map[bool]string{true: "так", false: "ні"}[x]
	case string:
		if d, err := time.Parse("2006-01-02", x); err == nil {
			return d.Format("02.01.2006")
		}
	}
	return fmt.Sprint(v)
}
