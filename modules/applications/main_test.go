package applications_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/docstore"
	"hromada/modules/documents"
	"hromada/modules/forms"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/modules/signature"
	"hromada/modules/uploads"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// The people of the tests (valid РНОКПП; their birth dates are what the
// first five digits encode).
const (
	rnokpp1, name1 = "3221501449", "Шевченко Олена Петрівна"   // born 1988-03-14
	rnokpp2, name2 = "2916002336", "Коваленко Андрій Іванович" // born 1979-11-02
	rnokppO, nameO = "2756513668", "Бондар Марія Степанівна"   // the official
	edrpou         = "43215679"
	refusalGround  = "Неповний пакет документів"
)

// now is the clock of the tests' services: Friday 6 March 2026, 10:00 in
// Kyiv. Monday 9 March is the city's day off (set up in setup).
var now = time.Date(2026, 3, 6, 10, 0, 0, 0, tenant.Zone)

const holiday = "2026-03-09"

// formSchema has the applicant's identity on step 0 and a flat's numbers
// on step 1 (an integer and a sum rule).
const formSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["full_name", "rnokpp", "birth_date", "phone", "rooms", "area_total"],
  "properties": {
    "full_name": {"type": "string", "minLength": 5, "maxLength": 200},
    "rnokpp": {"type": "string", "format": "rnokpp"},
    "birth_date": {"type": "string", "format": "date-past"},
    "phone": {"type": "string", "format": "phone-ua"},
    "rooms": {"type": "integer", "minimum": 1, "maximum": 20},
    "area_living": {"type": "number", "minimum": 0},
    "area_other": {"type": "number", "minimum": 0},
    "area_total": {"type": "number"}
  }
}`

func txt(uk string) catalog.Text { return catalog.Text{UK: uk} }

func formDefinition() forms.Definition {
	return forms.Definition{
		Schema: []byte(formSchema),
		Rules:  []forms.Rule{{Kind: "sum", Fields: []string{"area_living", "area_other"}, Target: "area_total"}},
		Layout: []forms.Section{
			{Title: txt("Заявник"), Fields: []forms.Field{
				{Name: "full_name", Label: txt("ПІБ"), Autofill: "profile.full_name"},
				{Name: "rnokpp", Label: txt("РНОКПП"), Autofill: "profile.rnokpp"},
				{Name: "birth_date", Label: txt("Дата народження"), Autofill: "profile.birth_date"},
				{Name: "phone", Label: txt("Телефон"), Autofill: "profile.phone"},
			}},
			{Title: txt("Житло"), Fields: []forms.Field{
				{Name: "rooms", Label: txt("Кількість кімнат")},
				{Name: "area_living", Label: txt("Житлова площа")},
				{Name: "area_other", Label: txt("Допоміжна площа")},
				{Name: "area_total", Label: txt("Загальна площа")},
			}},
		},
	}
}

// register has two providers with one service each: T-1 at A (five
// working days, officials) and T-2 at B (one calendar day, automatic).
func register() catalog.Register {
	return catalog.Register{
		Providers: []catalog.Provider{
			{Code: "prov-a", Name: catalog.Text{UK: "Надавач А", EN: "Provider A"}},
			{Code: "prov-b", Name: catalog.Text{UK: "Надавач Б", EN: "Provider B"}},
		},
		Services: []catalog.RegisteredService{
			{Provider: "prov-a", Content: catalog.Content{Code: "T-1", Name: txt("Реєстрація місця проживання"),
				Summary: txt("Реєстрація за новою адресою"), Term: catalog.Term{Days: 5, Working: true}, Fee: catalog.Fee{Free: true},
				RefusalGrounds: []catalog.Text{txt(refusalGround), txt("Заявник не має права на послугу")}}},
			{Provider: "prov-b", Content: catalog.Content{Code: "T-2", Name: txt("Довідка про склад сім’ї"),
				Summary: txt("Витяг про зареєстрованих осіб"), Term: catalog.Term{Days: 1}, Fee: catalog.Fee{Free: true}, Automatic: true}},
		},
	}
}

// env is one test's city: its database, services, people and the
// applications service under test.
type env struct {
	db           *tenanttest.DB
	tn           *tenant.Tenant
	ctx          context.Context
	svc          *applications.Service
	notices      *notify.Service
	ca           *signature.DevCA // the city's development CA (trusted)
	provA, provB uuid.UUID
	r1, r2       applications.Person
	o1, o2       applications.Owner
	staff        applications.Staff

	mu      sync.Mutex
	inserts []tenant.JobArgs // what Service.Insert was called with
}

func setup(t *testing.T) *env {
	t.Helper()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	e := &env{db: db, tn: tn, ctx: tenant.With(t.Context(), tn)}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := identity.NewSealer(key)
	require.NoError(t, err)
	docs, err := docstore.OpenDir(t.TempDir())
	require.NoError(t, err)

	accounts := map[string]uuid.UUID{}
	require.NoError(t, db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := catalog.LoadRegister(ctx, tx, register()); err != nil {
			return err
		}
		for _, code := range []string{"T-1", "T-2"} {
			if _, err := applications.PublishForm(ctx, tx, code, formDefinition(), nil); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = 'prov-a'`).Scan(&e.provA); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = 'prov-b'`).Scan(&e.provB); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO public_holidays (tenant_id, day, name) VALUES (app_tenant_id(), $1, 'Вихідний')`, holiday); err != nil {
			return err
		}
		for _, p := range []struct{ rnokpp, name string }{{rnokpp1, name1}, {rnokpp2, name2}, {rnokppO, nameO}} {
			a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: p.rnokpp, FullName: p.name, Phone: "+380671234567"})
			if err != nil {
				return err
			}
			accounts[p.rnokpp] = a.ID
		}
		// The development CA first, so the service's signer uses this one.
		e.ca, err = applications.EnsureDevCA(ctx, tx, sealer)
		return err
	}))
	e.r1 = applications.Person{AccountID: accounts[rnokpp1], RNOKPP: rnokpp1, FullName: name1, Phone: "+380671234567"}
	e.r2 = applications.Person{AccountID: accounts[rnokpp2], RNOKPP: rnokpp2, FullName: name2, Phone: "+380501112233"}
	e.o1, e.o2 = applications.Owner{AccountID: e.r1.AccountID}, applications.Owner{AccountID: e.r2.AccountID}
	e.staff = applications.Staff{AccountID: accounts[rnokppO], FullName: nameO, RNOKPP: rnokppO, Position: "головний спеціаліст"}
	ds := &documents.Service{DB: db.App, Sealer: sealer, DevCA: func(ctx context.Context, tx pgx.Tx) (*signature.DevCA, error) {
		return applications.EnsureDevCA(ctx, tx, sealer)
	}}
	insert := func(_ context.Context, _ pgx.Tx, args tenant.JobArgs) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.inserts = append(e.inserts, args)
		return nil
	}
	e.notices, err = notify.New(notify.Options{DB: db.App, Log: slog.New(slog.DiscardHandler), Insert: insert,
		PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + ".localhost" }})
	require.NoError(t, err)
	e.svc = &applications.Service{DB: db.App, Docs: docs, Sealer: sealer, Now: func() time.Time { return now }, Insert: insert, Notify: e.notices,
		Results: &applications.DocumentResults{Docs: ds, Assets: os.DirFS("../../web/static")},
		VerifyURL: func(t *tenant.Tenant, id uuid.UUID) string {
			return "https://" + t.Slug + ".hromada.example/verify/" + id.String()
		}}
	return e
}

func (e *env) insertCalls() []tenant.JobArgs {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]tenant.JobArgs(nil), e.inserts...)
}

// values are a step's posted form values.
type values = map[string][]string

func step0(p applications.Person) values {
	return values{"full_name": {p.FullName}, "rnokpp": {p.RNOKPP}, "birth_date": {applications.BirthDate(p.RNOKPP)}, "phone": {p.Phone}}
}

func step1() values {
	return values{"rooms": {"3"}, "area_living": {"30,5"}, "area_other": {"12"}, "area_total": {"42.5"}}
}

// draft starts a draft of the service for the owner and fills both steps.
func (e *env) draft(t *testing.T, o applications.Owner, p applications.Person, code string) *applications.Application {
	t.Helper()
	app, err := e.svc.Start(e.ctx, o, p, code)
	require.NoError(t, err)
	for i, v := range []values{step0(p), step1()} {
		_, errs, err := e.svc.SaveStep(e.ctx, o, app.ID, i, v, true)
		require.NoError(t, err)
		require.Empty(t, errs)
	}
	return app
}

// submitted is a draft signed online (the development signer) and submitted.
func (e *env) submitted(t *testing.T, o applications.Owner, p applications.Person, code string) *applications.Application {
	t.Helper()
	app := e.draft(t, o, p, code)
	got, errs, err := e.svc.SignOnline(e.ctx, o, p, app.ID, uuid.NewString())
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Equal(t, applications.Received, got.Status)
	return got
}

// sign signs data with a fresh certificate for p from the city's dev CA.
func (e *env) sign(t *testing.T, p applications.Person, data []byte) []byte {
	t.Helper()
	cert, key, err := e.ca.Issue(p.RNOKPP, p.FullName)
	require.NoError(t, err)
	cms, err := signature.SignDetached(data, cert, key)
	require.NoError(t, err)
	return cms
}

// attach attaches a small PDF to the owner's draft.
func (e *env) attach(t *testing.T, o applications.Owner, id uuid.UUID, name string) *uploads.File {
	t.Helper()
	up, err := e.svc.Attach(e.ctx, o, id, name, strings.NewReader("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"), uploads.Limits{})
	require.NoError(t, err)
	return up
}

// exec runs one statement as the app role in the city's transaction.
func (e *env) exec(sql string, args ...any) error {
	return e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sql, args...)
		return err
	})
}

// count runs a count(*) query as the app role.
func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, sql, args...).Scan(&n)
	}))
	return n
}

func (e *env) outbox(t *testing.T, app uuid.UUID) int {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM outbox WHERE topic = 'applications.new' AND payload->>'application_id' = $1`, app.String())
}

func (e *env) status(t *testing.T, o applications.Owner, id uuid.UUID) applications.Status {
	t.Helper()
	app, _, _, err := e.svc.Get(e.ctx, o, id)
	require.NoError(t, err)
	return app.Status
}

func sqlState(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code
	}
	return ""
}
