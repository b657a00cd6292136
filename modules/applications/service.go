package applications

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/audit"
	"hromada/modules/docstore"
	"hromada/modules/documents"
	"hromada/modules/forms"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/modules/payments"
	"hromada/modules/signature"
	"hromada/modules/signature/revocation"
	"hromada/modules/terms"
	"hromada/modules/trustlist"
	"hromada/modules/uploads"
	"hromada/tenant"
)

// Service runs applications. Each exported method is one transaction in
// the tenant in ctx, except where a slow outside party sits between a read
// and a write (a signer: SignOnline, Issue; the object store: Attach; the
// registries: Start): those read, call it outside any transaction so that
// it holds no connection, then write. The unexported functions that take a
// pgx.Tx compose inside a transaction. The signed-in person comes from ctx
// (identity's session); every transition and staff view is recorded in the
// audit log in the change's own transaction.
type Service struct {
	DB   *tenant.DB
	Docs docstore.Store
	// Signer gets residents' signatures over a hash (the Diia.Sign shape);
	// nil means the development signer when Sealer is set (dev), else
	// signing online needs an uploaded signature.
	Signer signature.HashSigner
	// Sealer keeps the development CA's key at rest; nil in production
	// (no development CA is created there).
	Sealer Sealer
	// Insert puts a River job in tx (the automatic-mode hand-over); nil
	// means no automatic mode: every application goes to officials.
	Insert func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error
	// Audit records every transition and every staff view in the
	// transaction of the change (see event); nil records with audit's
	// defaults (time.Now).
	Audit *audit.Service
	// Notify posts the applicants' notices (modules/notify).
	Notify *notify.Service
	// Payments refunds a refused application's fee where its service
	// says so (modules/payments); nil: no refunds.
	Payments *payments.Service
	// Log receives what a page or a job cannot show anyone: a failure
	// swallowed on the way to a fallback, the detail behind an apperr key.
	// nil logs to slog.Default.
	Log *slog.Logger
	// RegistryAutofill, when set, fetches the values of "registry.*"
	// autofill sources about a person (modules/registries, best effort).
	RegistryAutofill func(ctx context.Context, rnokpp string, sources []string) (map[string]any, error)
	// External verifies DSTU 4145 signatures when plugged in.
	External signature.ExternalVerifier
	// Revocation, when set, asks the CA of each resident's and official's
	// signature whether its certificate was revoked (OCSP, then the CRL),
	// before the transaction that records it; the answer is kept as
	// evidence (revocation.go). Nil: not checked (development, whose CA
	// runs no responder).
	Revocation revocation.Revocation
	Now        func() time.Time

	// Results renders officials' decisions as documents, in the style of
	// automatic mode's results; VerifyURL is a document's verification
	// page, the QR code's target (the pipeline's, wired alike).
	Results   Results
	VerifyURL func(t *tenant.Tenant, document uuid.UUID) string

	// Handover, when set, offers an application that becomes its
	// provider's work (received, or resubmitted with the applicant's
	// answer) to the provider's own information system (modules/provsys),
	// in the transaction that made it so; true: the system takes it, and
	// the officials are not told.
	Handover func(ctx context.Context, tx pgx.Tx, app *Application) (bool, error)

	// FileOpened, when set, is told of every official's download of an
	// application's file (StaffFile) before its bytes are returned, with
	// the file's object key: modules/mydocs shows the person an official's
	// opening of the copy of a cabinet document they attached. An error
	// refuses the download, so no opening goes unrecorded.
	FileOpened func(ctx context.Context, app uuid.UUID, key string) error

	devCAs sync.Map // tenant id → *signature.DevCA
	forms  sync.Map // form version id → *forms.Form: a version never changes
	roots  sync.Map // tenant id → cachedRoots
}

// cachedRoots is a city's trust list as last read.
type cachedRoots struct {
	anchors trustAnchors
	at      time.Time
}

// rootsTTL is how long a city's trust list is used without reading it
// again; a signature the cached list does not trust is checked once more
// against a fresh read, so an anchor just added is never missed.
const rootsTTL = time.Minute

// form returns the compiled form version id (compiled once: versions are
// immutable).
func (s *Service) form(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*forms.Form, error) {
	if f, ok := s.forms.Load(id); ok {
		return f.(*forms.Form), nil
	}
	def, err := formDefinition(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	f, err := forms.Compile(def, s.now)
	if err != nil {
		return nil, err
	}
	s.forms.Store(id, f)
	return f, nil
}

// trustRoots returns the city's trust list, cached; fresh forces a read.
func (s *Service) trustRoots(ctx context.Context, tx pgx.Tx, fresh bool) (trustAnchors, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return trustAnchors{}, err
	}
	if v, ok := s.roots.Load(t.ID); ok && !fresh && time.Since(v.(cachedRoots).at) < rootsTTL {
		return v.(cachedRoots).anchors, nil
	}
	a, err := roots(ctx, tx, s.now(), trustlist.ForSignatures)
	if err != nil {
		return trustAnchors{}, err
	}
	s.roots.Store(t.ID, cachedRoots{anchors: a, at: time.Now()})
	return a, nil
}

// verifyReceived verifies a signature received now (opts.Received is set
// here) against the city's trust: the cached anchors, then read again (an
// anchor added since they were cached). A signature a trusted TSA stamped
// and that those refuse is tried once more against the CAs granted at the
// stamped time: a CA withdrawn from the Trusted List since — what it
// issued while granted stands (the list's history). refused is the
// signature's refusal; err the database's.
func (s *Service) verifyReceived(ctx context.Context, tx pgx.Tx, data, cms []byte, opts signature.VerifyOptions) (signer *signature.Signer, refused, err error) {
	opts.Received = s.now()
	pool, err := s.trustRoots(ctx, tx, false)
	if err != nil {
		return nil, nil, err
	}
	signer, refused = signature.VerifyDetached(data, cms, pool.options(opts))
	if errors.Is(refused, signature.ErrUntrusted) {
		if pool, err = s.trustRoots(ctx, tx, true); err != nil {
			return nil, nil, err
		}
		signer, refused = signature.VerifyDetached(data, cms, pool.options(opts))
	}
	if errors.Is(refused, signature.ErrUntrusted) {
		if at, ok := signature.StampedAt(cms, pool.tsas); ok && at.Before(opts.Received) {
			then, err := roots(ctx, tx, at, trustlist.ForSignatures)
			if err != nil {
				return nil, nil, err
			}
			signer, refused = signature.VerifyDetached(data, cms, then.options(opts))
		}
	}
	return signer, refused, nil
}

// Sealer encrypts a secret bound to its row (identity.Sealer); the same
// as the seals' keys need.
type Sealer = documents.Sealer

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// log is the Service's logger.
func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// event records an application's transition or a staff view in the audit
// log, in tx (the change's own transaction: an error rolls the change
// back). action is "submit", "view", "take", "clarify", "approve",
// "refuse", "issue", "withdraw" or "answer"; actor is the account that
// acted, uuid.Nil for the automatic mode, named as the session names the
// signed-in person; position is an official's at the application's
// provider ("" for a resident), kept in the details for the auditor.
func (s *Service) event(ctx context.Context, tx pgx.Tx, action string, app *Application, actor uuid.UUID, position string) error {
	return s.eventWith(ctx, tx, action, app, actor, position, nil)
}

// eventWith is event with more details for the auditor (a term's old and
// new dates, the reason).
func (s *Service) eventWith(ctx context.Context, tx pgx.Tx, action string, app *Application, actor uuid.UUID, position string, more map[string]any) error {
	_, err := s.Audit.Record(ctx, tx, s.auditEvent(ctx, action, app, actor, position, more))
	return err
}

// auditEvent is the audit event of eventWith.
func (s *Service) auditEvent(ctx context.Context, action string, app *Application, actor uuid.UUID, position string, more map[string]any) audit.Event {
	who := audit.Actor{Role: audit.RoleAutomatic}
	if actor != uuid.Nil {
		who = audit.Actor{ID: actor.String()}
		if sg := identity.SignedFrom(ctx); sg != nil && sg.AccountID == actor {
			who.Name = sg.FullName
		}
	}
	details := map[string]any{"number": app.Number, "status": string(app.Status), "service": app.ServiceCode}
	for k, v := range more {
		details[k] = v
	}
	if position != "" {
		who.Role = access.RoleOfficial
		details["position"] = position
	}
	return audit.Event{Actor: who, Action: "application." + action,
		ObjectType: "application", ObjectID: app.ID.String(), Details: details}
}

// Person is the signed-in person, as the session knows them.
type Person struct {
	AccountID uuid.UUID
	RNOKPP    string
	FullName  string
	Email     string
	Phone     string
	Family    string
	Given     string
	Middle    string
}

// personOf is an account as the applications see its holder.
func personOf(acc *identity.Account) Person {
	return Person{AccountID: acc.ID, RNOKPP: acc.RNOKPP, FullName: acc.FullName, Email: acc.Email, Phone: acc.Phone,
		Family: acc.FamilyName, Given: acc.GivenName, Middle: acc.MiddleName}
}

// Signed is the signed-in person of ctx (identity's session) and whose
// applications they reach: their own, or the legal entity's they act for.
// The session keeps the account, РНОКПП and name, so no transaction is
// opened, except for a session made before the РНОКПП was kept, whose
// account is read in one read transaction. access.ErrForbidden when no one
// is signed in; identity.ErrNoAccount when the account is gone.
func (s *Service) Signed(ctx context.Context) (Person, Owner, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return Person{}, Owner{}, access.ErrForbidden
	}
	p := Person{AccountID: sg.AccountID, RNOKPP: sg.RNOKPP, FullName: sg.FullName}
	o := Owner{AccountID: sg.AccountID, EDRPOU: sg.EDRPOU, OrgName: sg.OrgName}
	if sg.RNOKPP != "" {
		return p, o, nil
	}
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		acc, err := identity.AccountTx(ctx, tx, sg.AccountID)
		if err != nil {
			return fmt.Errorf("applications: the signed-in account: %w", err)
		}
		p = personOf(acc)
		return nil
	})
	return p, o, err
}

// SignedStaff is the signed-in official of ctx as they act on
// applications. Its Position is left empty: the methods that record it read
// it at the application's provider in their own transaction. Errors as
// Signed's.
func (s *Service) SignedStaff(ctx context.Context) (Staff, error) {
	p, _, err := s.Signed(ctx)
	return Staff{AccountID: p.AccountID, FullName: p.FullName, RNOKPP: p.RNOKPP}, err
}

// Start returns the owner's draft of the service with code, creating one
// filled in from the person's profile and previous applications when there
// is none, in one transaction (the registries' values are asked before it,
// outside any). The profile is the account's of p.AccountID, read in that
// transaction: p.RNOKPP only picks what the registries are asked about.
// ErrNoForm when the service is unknown, unpublished or has no form;
// identity.ErrNoAccount when the account is gone.
func (s *Service) Start(ctx context.Context, o Owner, p Person, serviceCode string) (*Application, error) {
	// The registries first, outside any transaction: a slow registry must
	// not hold a connection, and a registry that is down fills nothing.
	fromRegistry := s.registryValues(ctx, serviceCode, p.RNOKPP)
	var app *Application
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		serviceID, providerID, err := publishedService(ctx, tx, serviceCode)
		if err != nil {
			return err
		}
		existing, err := latestDraft(ctx, tx, o, serviceID)
		if err != nil {
			return err
		}
		if existing != uuid.Nil {
			app, err = ownedApplication(ctx, tx, o, existing, false)
			return err
		}
		formID, _, def, err := publishedForm(ctx, tx, serviceID)
		if err != nil {
			return err
		}
		f, err := forms.Compile(def, s.now)
		if err != nil {
			return err
		}
		acc, err := identity.AccountTx(ctx, tx, p.AccountID)
		if err != nil {
			return fmt.Errorf("applications: the applicant's profile: %w", err)
		}
		data, err := autofill(ctx, tx, f, o, personOf(acc), fromRegistry)
		if err != nil {
			return err
		}
		id, err := insertDraft(ctx, tx, newDraft{Service: serviceID, Provider: providerID, Form: formID, Applicant: p.AccountID, Owner: o, Data: data})
		if err != nil {
			return err
		}
		app, err = ownedApplication(ctx, tx, o, id, false)
		return err
	})
	return app, err
}

// autofill fills a new draft: profile claims, then "previous" fields from
// the owner's latest application that has them (seed 003 §3.1.7). The
// registries' autofill plugs in here with the automatic-mode module.
func autofill(ctx context.Context, tx pgx.Tx, f *forms.Form, o Owner, p Person, fromRegistry map[string]any) (map[string]any, error) {
	data := map[string]any{}
	profile := profileValues(p, o)
	var previous []string
	for _, sec := range f.Sections() {
		for _, fl := range sec.Fields {
			if fl.Autofill == "previous" {
				previous = append(previous, fl.Name)
			} else if v := profile[fl.Autofill]; v != "" {
				data[fl.Name] = v
			} else if v, ok := fromRegistry[fl.Autofill]; ok && v != nil && v != "" {
				data[fl.Name] = v
			}
		}
	}
	if len(previous) > 0 {
		where, args := ownerWhere(o, 1)
		rows, err := tx.Query(ctx, `SELECT a.data FROM applications a WHERE a.status <> 'draft' AND `+where+` ORDER BY a.created_at DESC LIMIT 20`, args...)
		if err != nil {
			return nil, err
		}
		past, err := pgx.CollectRows(rows, pgx.RowTo[map[string]any])
		if err != nil {
			return nil, err
		}
		for _, name := range previous {
			for _, d := range past {
				if v, ok := d[name]; ok && v != "" {
					data[name] = v
					break
				}
			}
		}
	}
	return data, nil
}

// registryValues asks the registries for the values the service's form
// fills from them; nil when it fills none or they cannot answer.
func (s *Service) registryValues(ctx context.Context, serviceCode, rnokpp string) map[string]any {
	if s.RegistryAutofill == nil || rnokpp == "" {
		return nil
	}
	var sources []string
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var serviceID uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT id FROM services WHERE code = $1`, serviceCode).Scan(&serviceID); err != nil {
			return err
		}
		_, _, def, err := publishedForm(ctx, tx, serviceID)
		if err != nil {
			return err
		}
		for _, sec := range def.Layout {
			for _, fl := range sec.Fields {
				if strings.HasPrefix(fl.Autofill, "registry.") {
					sources = append(sources, fl.Autofill)
				}
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) && !errors.Is(err, ErrNoForm) {
		// Start's own transaction meets the same and says so; the person
		// types what the registries would have filled.
		s.log().WarnContext(ctx, "applications: reading the form's registry sources", "service", serviceCode, "error", err)
	}
	if len(sources) == 0 {
		return nil
	}
	vals, err := s.RegistryAutofill(ctx, rnokpp, sources)
	if err != nil {
		// Best effort: the person types the rest.
		s.log().WarnContext(ctx, "applications: registry autofill", "service", serviceCode, "sources", sources, "error", err)
	}
	return vals
}

// BirthDate reads the birth date a РНОКПП encodes (its first five digits
// count days from 31.12.1899), as "2006-01-02"; "" when it does not.
func BirthDate(rnokpp string) string {
	if len(rnokpp) != 10 {
		return ""
	}
	n := 0
	for _, c := range rnokpp[:5] {
		if c < '0' || c > '9' {
			return ""
		}
		n = n*10 + int(c-'0')
	}
	if n == 0 {
		return ""
	}
	return time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format("2006-01-02")
}

// Form compiles the form an application was filled in.
func (s *Service) Form(ctx context.Context, app *Application) (*forms.Form, error) {
	if f, ok := s.forms.Load(app.FormID); ok {
		return f.(*forms.Form), nil
	}
	var f *forms.Form
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		f, err = s.form(ctx, tx, app.FormID)
		return err
	})
	return f, err
}

// Get returns one of the owner's applications with its history and files.
func (s *Service) Get(ctx context.Context, o Owner, id uuid.UUID) (*Application, []Event, []File, error) {
	return s.get(ctx, o, id, true, true)
}

// Case is one of the owner's applications as its page shows it: with its
// history, its files, the form it was filled in and, once issued in
// automatic mode, its sealed result document.
type Case struct {
	App      *Application
	Events   []Event
	Files    []File
	Form     *forms.Form
	Document uuid.UUID         // uuid.Nil when there is none
	Ready    *Ready            // once issued: the result the page shows first
	Invoice  *payments.Invoice // the fee's invoice; nil for a free service
	Rating   *ResultRating     // the applicant's rating of the result; nil: none yet
}

// Case reads one of the owner's applications for its page in one read
// transaction. ErrNotFound when it is not within the owner's reach. A
// draft is returned without its form, history or document: its page is
// its next step.
func (s *Service) Case(ctx context.Context, o Owner, id uuid.UUID) (*Case, error) {
	var c Case
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if c.App, err = ownedApplication(ctx, tx, o, id, false); err != nil || c.App.Status == Draft {
			return err
		}
		if c.Events, err = events(ctx, tx, id); err != nil {
			return err
		}
		if c.Files, err = files(ctx, tx, id); err != nil {
			return err
		}
		if c.Form, err = s.form(ctx, tx, c.App.FormID); err != nil {
			return err
		}
		if c.Invoice, err = payments.Of(ctx, tx, id); err != nil {
			return err
		}
		if c.Rating, err = resultRating(ctx, tx, id); err != nil {
			return err
		}
		if c.App.Status == Issued {
			if c.Ready, err = ready(ctx, tx, c.App, c.Files); c.Ready != nil {
				c.Document = c.Ready.Document
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Own returns one of the owner's applications, alone.
func (s *Service) Own(ctx context.Context, o Owner, id uuid.UUID) (*Application, error) {
	app, _, _, err := s.get(ctx, o, id, false, false)
	return app, err
}

// OwnFiles returns one of the owner's applications with its files.
func (s *Service) OwnFiles(ctx context.Context, o Owner, id uuid.UUID) (*Application, []File, error) {
	app, _, fs, err := s.get(ctx, o, id, false, true)
	return app, fs, err
}

// get reads an application within the owner's reach, and what a page needs
// beside it.
func (s *Service) get(ctx context.Context, o Owner, id uuid.UUID, withEvents, withFiles bool) (*Application, []Event, []File, error) {
	var (
		app *Application
		evs []Event
		fs  []File
	)
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if app, err = ownedApplication(ctx, tx, o, id, false); err != nil {
			return err
		}
		if withEvents {
			if evs, err = events(ctx, tx, id); err != nil {
				return err
			}
		}
		if withFiles {
			fs, err = files(ctx, tx, id)
		}
		return err
	})
	return app, evs, fs, err
}

// Cabinet is what the resident's cabinet shows.
type Cabinet struct {
	Applications []*Application // submitted, the latest first
	Drafts       []*Application
	Unread       int         // notifications not yet read
	Person       Person      // the whole profile, the account's
	Ready        []ReadyItem // results issued lately, shown first
}

// Cabinet reads the owner's applications and drafts, the person's unread
// notices and whole profile, in one read transaction. identity.ErrNoAccount
// when the account is gone.
func (s *Service) Cabinet(ctx context.Context, o Owner, p Person) (*Cabinet, error) {
	var c Cabinet
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if c.Applications, err = mine(ctx, tx, o, ListFilter{}); err != nil {
			return err
		}
		if c.Drafts, err = mine(ctx, tx, o, ListFilter{Drafts: true}); err != nil {
			return err
		}
		if c.Ready, err = readyResults(ctx, tx, c.Applications, s.now().Add(-readyFor)); err != nil {
			return err
		}
		if c.Unread, err = notify.Unread(ctx, tx, p.AccountID); err != nil {
			return err
		}
		acc, err := identity.AccountTx(ctx, tx, p.AccountID)
		if err != nil {
			return fmt.Errorf("applications: the cabinet's profile: %w", err)
		}
		c.Person = personOf(acc)
		return nil
	})
	return &c, err
}

// Mine lists the owner's applications, or drafts.
func (s *Service) Mine(ctx context.Context, o Owner, drafts bool) ([]*Application, error) {
	var out []*Application
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = mine(ctx, tx, o, ListFilter{Drafts: drafts})
		return err
	})
	return out, err
}

// SaveStep saves a posted step of a draft, valid or not (nothing typed is
// lost), and returns the step's problems; next moves the draft's step on
// only when there are none.
func (s *Service) SaveStep(ctx context.Context, o Owner, id uuid.UUID, step int, vals map[string][]string, next bool) (*Application, forms.Errors, error) {
	var (
		app  *Application
		errs forms.Errors
	)
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if app, err = ownedApplication(ctx, tx, o, id, true); err != nil {
			return err
		}
		if app.Status != Draft {
			return ErrTransition
		}
		f, err := s.form(ctx, tx, app.FormID)
		if err != nil {
			return err
		}
		f.Decode(step, vals, app.Data)
		errs = f.SectionErrors(step, f.Check(mustJSON(app.Data)))
		_, profile, err := applicantProfile(ctx, tx, app)
		if err != nil {
			return err
		}
		if step >= 0 && step < len(f.Sections()) {
			for name, e := range applicantErrors(f.Sections()[step].Fields, app.Data, profile) {
				errs[name] = e
			}
		}
		newStep := app.Step
		if next && len(errs) == 0 && step+1 > newStep {
			newStep = step + 1
		}
		if err := saveDraft(ctx, tx, id, app.Data, newStep); err != nil {
			return err
		}
		app.Step = newStep
		return nil
	})
	return app, errs, err
}

// Check returns every problem of a draft's data: signing waits until
// there are none (seed 003 §5.2).
func (s *Service) Check(ctx context.Context, app *Application) (forms.Errors, *forms.Form, error) {
	f, err := s.Form(ctx, app)
	if err != nil {
		return nil, nil, err
	}
	return f.Check(mustJSON(app.Data)), f, nil
}

// Attach stores an uploaded file as an attachment of the owner's draft,
// as none of the service's documents in particular (AttachDocument).
func (s *Service) Attach(ctx context.Context, o Owner, id uuid.UUID, name string, r io.Reader, lim uploads.Limits) (*uploads.File, error) {
	return s.AttachDocument(ctx, o, id, 0, name, r, lim)
}

// Detach removes an attachment of the owner's draft.
func (s *Service) Detach(ctx context.Context, o Owner, id, file uuid.UUID) error {
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, true)
		if err != nil {
			return err
		}
		if app.Status != Draft {
			return ErrTransition
		}
		return deleteAttachment(ctx, tx, id, file)
	})
}

// Discard deletes the owner's draft.
func (s *Service) Discard(ctx context.Context, o Owner, id uuid.UUID) error {
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, true)
		if err != nil {
			return err
		}
		if app.Status != Draft {
			return ErrTransition
		}
		// A draft paid before submission has its invoice, and maybe a
		// payment on the way: the money's record must stay, so the draft
		// does too (docs/payments.md, «Оплата до подання»).
		if _, billed, err := payments.StatusOf(ctx, tx, id); err != nil || billed {
			if err == nil {
				err = ErrBilledDraft
			}
			return err
		}
		return deleteDraft(ctx, tx, id)
	})
}

// canonical builds the bytes a draft's applicant signs.
func canonical(ctx context.Context, tx pgx.Tx, app *Application) ([]byte, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := files(ctx, tx, app.ID, "attachment")
	if err != nil {
		return nil, err
	}
	return canonicalWith(t, app, fs)
}

// canonicalWith is canonical with the application's attachments already
// read (the submission has them from its documents check).
func canonicalWith(t *tenant.Tenant, app *Application, fs []File) ([]byte, error) {
	c := SignedContent{Application: app.ID.String(), City: t.Slug, Service: app.ServiceCode, ServiceName: app.ServiceName.UK,
		FormVersion: app.FormVersion, Applicant: SignedPerson{RNOKPP: app.RNOKPP, FullName: app.Applicant, EDRPOU: app.EDRPOU, OrgName: app.OrgName},
		Data: app.Data, Attachments: []SignedFile{}}
	for _, f := range fs {
		c.Attachments = append(c.Attachments, SignedFile{Name: f.Name, SHA256: f.SHA256, Size: f.Size})
	}
	return signature.Canonical(c)
}

// Canonical returns the bytes to sign of the owner's draft.
func (s *Service) Canonical(ctx context.Context, o Owner, id uuid.UUID) ([]byte, error) {
	var out []byte
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, false)
		if err != nil {
			return err
		}
		if app.Status != Draft {
			out = app.Canonical
			return nil
		}
		out, err = canonical(ctx, tx, app)
		return err
	})
	return out, err
}

// SignOnline has the person sign the draft's canonical bytes through the
// signature provider (remote, or the development signer), then submits.
func (s *Service) SignOnline(ctx context.Context, o Owner, p Person, id uuid.UUID, key string) (*Application, forms.Errors, error) {
	signer, err := s.residentSigner(ctx)
	if err != nil {
		return nil, nil, err
	}
	// A fee to pay first is refused before the person is asked to sign.
	if err := s.unpaidFirst(ctx, o, id); err != nil {
		return nil, nil, err
	}
	data, err := s.Canonical(ctx, o, id)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(data)
	cms, err := signer.Sign(ctx, signature.HashRequest{RNOKPP: p.RNOKPP, FullName: p.FullName, DocumentName: "application-" + id.String() + ".json", Digest: sum[:]})
	if err != nil {
		return nil, nil, ErrSignature.Wrap(err)
	}
	return s.Submit(ctx, o, p, id, key, data, cms)
}

// Submit verifies cms over the draft's canonical bytes (which must be
// signed, the ones the person saw: signedData) and, in one transaction,
// locks, numbers and records the application, computes its deadline and
// hands it to automatic mode or to the officials. A repeated submission
// with the same key returns the application already made.
func (s *Service) Submit(ctx context.Context, o Owner, p Person, id uuid.UUID, key string, signedData, cms []byte) (*Application, forms.Errors, error) {
	var (
		app  *Application
		errs forms.Errors
	)
	if key == "" {
		key = uuid.NewString()
	}
	status, err := s.submissionStatus(ctx, o, p, id, cms)
	if err != nil {
		s.recordRefusal(ctx, id, p.AccountID, err)
		return nil, nil, err
	}
	// The application, locked, rides with BEGIN (issue 24: one round trip
	// fewer); its error is ownedApplication's and rolls back. A person's
	// own draft is theirs (ownedApplication's condition), so what the
	// checks read rides along too (one more round trip fewer): an
	// organisation's draft has another applicant, read with it first.
	first := &pgx.Batch{}
	queueOwnedApplication(first, o, id, true, &app)
	var in *submitted
	if o.EDRPOU == "" {
		in = queueSubmitted(first, id, o.AccountID)
	}
	err = s.DB.TxBatch(ctx, first, func(ctx context.Context, tx pgx.Tx) error {
		if app.Status != Draft {
			got, err := submissionKey(ctx, tx, id)
			if err != nil {
				return err
			}
			if got == key {
				return nil // the same submission again: done already
			}
			return ErrTransition
		}
		f, err := s.form(ctx, tx, app.FormID)
		if err != nil {
			return err
		}
		if errs = f.Check(mustJSON(app.Data)); len(errs) > 0 {
			return ErrIncomplete
		}
		// What the checks and the record need, read in one round trip
		// unless read with the application.
		if in == nil {
			if in, err = readSubmitted(ctx, tx, app); err != nil {
				return err
			}
		}
		docs, err := requireDocuments(newDocumentList(f, in.docs, in.files))
		if err != nil {
			return err
		}
		term, fee := in.term, in.fee
		if err := paidFirst(ctx, tx, id, fee); err != nil {
			return err
		}
		t, err := tenant.From(ctx)
		if err != nil {
			return err
		}
		data, err := canonicalWith(t, app, docs.all)
		if err != nil {
			return err
		}
		if signedData != nil && string(signedData) != string(data) {
			return ErrChanged
		}
		signer, refused, err := s.verifyReceived(ctx, tx, data, cms, signature.VerifyOptions{WantRNOKPP: p.RNOKPP, External: s.External})
		if err != nil {
			return err
		}
		if refused != nil {
			return signatureRefused(refused)
		}
		if err := s.checkedFor(status, signer); err != nil {
			return err
		}
		// The applicant is the signer: the identity fields are the
		// account's, and its РНОКПП is the certificate's.
		acc := in.account
		profile := profileOf(acc, app)
		if profile["profile.rnokpp"] != signer.RNOKPP {
			return signatureRefused(fmt.Errorf("%w: the applicant's РНОКПП %s, the signer's %s", signature.ErrWrongSigner, profile["profile.rnokpp"], signer.RNOKPP))
		}
		if !signerNamed(profile, signer) {
			return signatureRefused(fmt.Errorf("%w: the applicant is %q, the certificate names %q", signature.ErrWrongSigner, profile["profile.full_name"], signer.CommonName))
		}
		if errs = applicantErrors(allFields(f), app.Data, profile); len(errs) > 0 {
			for _, fl := range allFields(f) {
				if e, ok := errs[fl.Name]; ok {
					return e
				}
			}
		}
		// The signing time is the signer's claim, and the certificate is
		// checked at it: a signature dated before the draft's last change
		// is backdated (an expired certificate would pass), so refused.
		if st := signer.SigningTime; !st.IsZero() && st.Before(app.UpdatedAt.Add(-signingSkew)) {
			return signatureRefused(fmt.Errorf("%w: signed at %s, before the draft's last change at %s", signature.ErrExpired, st, app.UpdatedAt))
		}
		// What the record needs was read before the city's number is
		// taken: the counter's row stays locked until the commit, and
		// every submission of the city waits for it.
		hs := in.holidays
		now := s.now()
		due := terms.Due(now, term, hs)
		// The signature's time is a trusted timestamp's, else the signer's
		// claim; a signing time in the future (a skewed clock) is recorded
		// as now.
		signedAt := signer.SigningTime
		if signedAt.IsZero() || signedAt.After(now) {
			signedAt = now
		}
		// The row as updated, without reading it back (as it was, should
		// the writes fail); the number comes last.
		receivedAt, draft := now, *app
		app.Status, app.Canonical, app.Signature = Received, data, cms
		app.SignerRNOKPP, app.SignerName, app.SignedAt, app.SentAt, app.ReceivedAt, app.DueOn = signer.RNOKPP, signer.CommonName, &signedAt, &now, &receivedAt, &due
		fail := func(err error) error {
			*app = draft
			return err
		}
		// The city's number is taken last (issue 24): the counter's row,
		// locked by the upsert that gives the number, is held from then to
		// COMMIT, and every submission of the city waits for it. So what
		// needs no number is written before it, and the lock is held over
		// one round trip (the writes that carry the number and the audit
		// row) and the commit:
		//   1. River's job (automatic mode), which names the application
		//      by its id;
		//   2. one batch: the evidence, both history rows, the lock of the
		//      audit lane's head (its wait, if any, before the counter's),
		//      and last the number;
		//   3. one batch: the record with its number, the invoice, the
		//      notice with its person's channels, the audit row and its
		//      head's move.
		// The officials' hand-over (no automatic mode) names the number, so
		// it follows, as it followed the number before.
		automatic := app.Automatic && s.Insert != nil
		if automatic {
			if err := s.handOver(ctx, tx, app); err != nil {
				return fail(err)
			}
		}
		b := &pgx.Batch{}
		if err := queueEvidence(b, id, evidenceOfApplication, status); err != nil {
			return fail(err)
		}
		if err := queueEvents(b, id, transition{from: Draft, to: Signed, kind: Applicant, actor: &p.AccountID, name: p.FullName},
			transition{from: Signed, to: Received, kind: System}); err != nil {
			return fail(err)
		}
		// The audit record's number is filled in once taken: its lock and
		// the rendering of its details ride in this batch all the same.
		record, err := s.Audit.Queue(ctx, b, s.auditEvent(ctx, "submit", app, p.AccountID, "", nil), "number")
		if err != nil {
			return fail(err)
		}
		var number string
		queueNumber(b, now.In(tenant.Zone).Year(), &number)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fail(err)
		}
		app.Number = number
		if err := record.Fill("number", number); err != nil {
			return fail(err)
		}
		if s.Notify == nil {
			return fail(errors.New("applications: no notify service"))
		}
		b = &pgx.Batch{}
		queueReceived(b, id, received{Number: number, Canonical: data, Signature: cms, SignerRNOKPP: signer.RNOKPP,
			SignerName: signer.CommonName, SignedAt: signedAt, SentAt: now, DueOn: due, Key: key})
		payments.QueueIssued(b, bill(app, number, p, acc, fee))
		notice, err := s.Notify.Queue(b, notify.Notice{Account: app.ApplicantID, Application: &app.ID, Kind: notify.KindStatus,
			Key: "notify.received", Args: map[string]any{"Number": app.Number, "Service": app.ServiceName.UK}})
		if err != nil {
			return fail(err)
		}
		if err := record.QueueAppend(ctx, tx, b); err != nil {
			return fail(err)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fail(err)
		}
		if _, err := notice.Finish(ctx, tx); err != nil {
			return err
		}
		if !automatic {
			return s.handOver(ctx, tx, app)
		}
		return nil
	})
	s.recordRefusal(ctx, id, p.AccountID, err)
	if err == nil && app.Status == Draft {
		// the repeated submission: read what the first one made
		app, err = s.Own(ctx, o, id)
	}
	return app, errs, err
}

// signingSkew is how far a signer's clock may lag behind the database's.
const signingSkew = 5 * time.Minute

// AutomaticArgs hands a received application to automatic mode.
type AutomaticArgs struct {
	tenant.Envelope
	ApplicationID uuid.UUID `json:"application_id"`
}

// Kind is the job's kind.
func (AutomaticArgs) Kind() string { return "applications.automatic" }

// handOver sends a received application on: to automatic mode (a job in
// this transaction) when its service may run so, else to its provider's
// officials (a message through the outbox; the workspace counts it).
func (s *Service) handOver(ctx context.Context, tx pgx.Tx, app *Application) error {
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	if app.Automatic && s.Insert != nil {
		return s.Insert(ctx, tx, AutomaticArgs{Envelope: tenant.Envelope{TenantID: t.ID}, ApplicationID: app.ID})
	}
	return s.newWork(ctx, tx, t.ID, app, s.now())
}

// newWork tells the provider's officials of an application in their
// queue: the outbox message (the record the workspace counts) and, at
// once, a notice to each of them (modules/notify).
func (s *Service) newWork(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, app *Application, now time.Time) error {
	if s.Handover != nil {
		taken, err := s.Handover(ctx, tx, app)
		if err != nil || taken {
			return err
		}
	}
	if err := audit.Enqueue(ctx, tx, tenantID, now, "applications.new", "official", map[string]any{
		"provider_id": app.ProviderID.String(), "application_id": app.ID.String(), "number": app.Number, "service": app.ServiceCode,
	}); err != nil {
		return err
	}
	if s.Notify == nil {
		return errors.New("applications: no notify service")
	}
	return s.Notify.Officials(ctx, tx, app.ProviderID, notify.Notice{Kind: notify.KindNewWork, Urgency: notify.Urgent,
		Key: "notify.new_work", Args: map[string]any{"Number": app.Number, "Service": app.ServiceName.UK, "ApplicationID": app.ID.String(), "Link": "/work/applications/" + app.ID.String()}})
}

// trustAnchors are what a signature is checked against: the city's trust
// list (its own anchors, the development CA in dev) and the national
// Trusted List's qualified CAs granted at the time, for usage. The DSTU
// anchors are the same certificates as a list: Go's x509 cannot check a
// DSTU 4145 chain, so the signature module walks it from these.
type trustAnchors struct {
	pool  *x509.CertPool
	certs []*x509.Certificate
	// tsas are the time-stamping authorities whose signature timestamps
	// are trusted: the national list's granted TSA services, and the
	// city's own anchors (a TSA certificate one of them issued).
	tsas *x509.CertPool
	// id is the SHA-256 of the pool's certificates: the chains found to
	// this pool are remembered under it (chains), and a list that changes
	// has another.
	id [32]byte
}

// chains are the signers' chains found to the trust lists, shared by the
// cities: a list is known by its content (trustAnchors.id), so a city's
// list that changes finds none of its old chains.
var chains = signature.NewChainCache(10_000)

// options are o with the anchors set.
func (a trustAnchors) options(o signature.VerifyOptions) signature.VerifyOptions {
	o.Roots, o.DSTUAnchors, o.TSAs = a.pool, a.certs, a.tsas
	o.Chains, o.TrustID = chains, a.id
	return o
}

// roots is the city's trust list with the national Trusted List's CAs
// granted at at for usage (none until a list is imported).
func roots(ctx context.Context, tx pgx.Tx, at time.Time, usage trustlist.Usage) (trustAnchors, error) {
	a := trustAnchors{pool: x509.NewCertPool(), tsas: x509.NewCertPool()}
	rows, err := tx.Query(ctx, `SELECT certificate FROM trust_anchors`)
	if err != nil {
		return a, err
	}
	ders, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return a, err
	}
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return a, fmt.Errorf("applications: a trust anchor does not parse: %w", err)
		}
		a.certs = append(a.certs, c)
	}
	national, err := trustlist.GrantedCAsTx(ctx, tx, at, usage)
	if err != nil {
		return a, err
	}
	own := len(a.certs)
	a.certs = append(a.certs, national...)
	h := sha256.New()
	for _, c := range a.certs {
		a.pool.AddCert(c)
		h.Write(c.Raw) // DER: each certificate's length is in its header
	}
	h.Sum(a.id[:0])
	tsas, err := trustlist.GrantedTSAsTx(ctx, tx, at)
	if err != nil {
		return a, err
	}
	a.tsas = x509.NewCertPool()
	for _, c := range append(a.certs[:own:own], tsas...) {
		a.tsas.AddCert(c)
	}
	return a, nil
}

// Withdraw is the applicant taking the application back before a decision.
func (s *Service) Withdraw(ctx context.Context, o Owner, p Person, id uuid.UUID, comment string) error {
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, true)
		if err != nil {
			return err
		}
		if !CanMove(app.Status, Withdrawn, Applicant) {
			return ErrTransition
		}
		if err := setStatus(ctx, tx, id, Withdrawn); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, app.Status, Withdrawn, Applicant, &p.AccountID, p.FullName, strings.TrimSpace(comment)); err != nil {
			return err
		}
		app.Status = Withdrawn
		if err := s.settleFee(ctx, tx, app); err != nil {
			return err
		}
		return s.event(ctx, tx, "withdraw", app, p.AccountID, "")
	})
}

// CanAnswer says whether the owner may answer a request for clarification
// on the application now, with this comment.
func (s *Service) CanAnswer(ctx context.Context, o Owner, id uuid.UUID, comment string) error {
	if strings.TrimSpace(comment) == "" {
		return ErrNeedComment
	}
	return s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, false)
		if err != nil {
			return err
		}
		if !CanMove(app.Status, Resubmitted, Applicant) {
			return ErrTransition
		}
		return nil
	})
}

// Answer is the applicant's answer to a request for clarification, with an
// optional file: the application goes back to the officials.
func (s *Service) Answer(ctx context.Context, o Owner, p Person, id uuid.UUID, comment string, up *uploads.File) error {
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return ErrNeedComment
	}
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, true)
		if err != nil {
			return err
		}
		if !CanMove(app.Status, Resubmitted, Applicant) {
			return ErrTransition
		}
		if up != nil {
			if _, err := addFile(ctx, tx, id, File{Kind: "answer", Name: up.Name, ContentType: up.ContentType, Size: up.Size, SHA256: up.SHA256, Key: up.Key}, &p.AccountID); err != nil {
				return err
			}
		}
		if err := setStatus(ctx, tx, id, Resubmitted); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, app.Status, Resubmitted, Applicant, &p.AccountID, p.FullName, comment); err != nil {
			return err
		}
		app.Status = Resubmitted
		if err := s.resumeTerm(ctx, tx, app, p.AccountID); err != nil {
			return err
		}
		t, err := tenant.From(ctx)
		if err != nil {
			return err
		}
		if err := s.newWork(ctx, tx, t.ID, app, s.now()); err != nil {
			return err
		}
		return s.event(ctx, tx, "answer", app, p.AccountID, "")
	})
}

// Download reads a file of an application, checked against the SHA-256
// recorded in PostgreSQL (and the store's own): a corrupted or replaced
// object is refused.
func (s *Service) Download(ctx context.Context, f File) ([]byte, error) {
	rc, err := s.Docs.GetVerified(ctx, f.Key, f.SHA256)
	if err == nil {
		defer rc.Close()
		var b []byte
		if b, err = io.ReadAll(io.LimitReader(rc, f.Size+1)); err == nil {
			return b, nil
		}
	}
	if errors.Is(err, docstore.ErrCorrupt) {
		return nil, apperr.New(apperr.Internal, "error.application_file_corrupt").Wrap(fmt.Errorf("file %s: %w", f.Key, err))
	}
	return nil, err
}

// fileOf finds a file among an application's.
func fileOf(fs []File, id uuid.UUID) (File, bool) {
	i := slices.IndexFunc(fs, func(f File) bool { return f.ID == id })
	if i < 0 {
		return File{}, false
	}
	return fs[i], true
}
