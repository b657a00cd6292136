package appeals_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"hromada/modules/appeals"
	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/docstore"
	"hromada/modules/forms"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/modules/signature"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// now is the tests' clock: Friday 6 March 2026, 10:00 in Kyiv. Monday 9
// March is the city's day off.
var now = time.Date(2026, 3, 6, 10, 0, 0, 0, tenant.Zone)

const holiday = "2026-03-09"

// at is a day of March 2026 at hour, in Kyiv.
func at(d, hour int) time.Time { return time.Date(2026, 3, d, hour, 0, 0, 0, tenant.Zone) }

// classifier is the tests' city: roads go to the roads provider (its
// Podil unit for Podil), street lights to housing, complaints about
// services to the centre, with a keyword rule sending "ліфт" to housing.
func classifier() appeals.Classifier {
	return appeals.Classifier{
		Categories: []appeals.ClassifierCategory{
			{Code: "roads", Name: tenant.Text{UK: "Дороги", EN: "Roads"}, Public: true},
			{Code: "housing", Name: tenant.Text{UK: "Житло", EN: "Housing"}},
			{Code: "services", Name: tenant.Text{UK: "Якість послуг", EN: "Services"}},
			{Code: "other", Name: tenant.Text{UK: "Інше", EN: "Other"}},
		},
		Districts: []appeals.ClassifierDistrict{{Code: "podil", Name: tenant.Text{UK: "Подільський"}}, {Code: "obolon", Name: tenant.Text{UK: "Оболонський"}}},
		Routes: []appeals.ClassifierRoute{
			{Category: "roads", Provider: "roads"},
			{Category: "roads", District: "podil", Provider: "roads", Unit: "Подільська дільниця"},
			{Category: "housing", Provider: "housing"},
			{Category: "roads", Keywords: []string{"ліфт"}, Provider: "housing"},
			{Category: "services", Provider: "dcnap"},
			{Category: "services", Provider: "housing"},
		},
	}
}

// person is a test account.
type person struct {
	ID     uuid.UUID
	RNOKPP string
	Name   string
}

// env is one test's city.
type env struct {
	db                   *tenanttest.DB
	tn                   *tenant.Tenant
	ctx                  context.Context
	svc                  *appeals.Service
	roads, housing, cnap uuid.UUID
	r1, r2               person // residents
	roadsOff, roadsHead  person
	cnapOff, housingOff  person
	dispatcher           person
	ca                   *signature.DevCA
}

// roots trusts the city's development CA.
func (e *env) roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(e.ca.Certificate)
	return p
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
	var ca *signature.DevCA
	require.NoError(t, db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		reg := catalog.Register{
			Providers: []catalog.Provider{
				{Code: "roads", Name: tenant.Text{UK: "Департамент транспортної інфраструктури"}},
				{Code: "housing", Name: tenant.Text{UK: "Департамент житлово-комунальної інфраструктури"}},
				{Code: "dcnap", Name: tenant.Text{UK: "Центр надання адміністративних послуг"}},
			},
			Services: []catalog.RegisteredService{{Provider: "dcnap", Content: catalog.Content{Code: "T-1", Name: tenant.Text{UK: "Реєстрація місця проживання"},
				Summary: tenant.Text{UK: "Реєстрація"}, Term: catalog.Term{Days: 5, Working: true}, Fee: catalog.Fee{Free: true}}}},
		}
		if err := catalog.LoadRegister(ctx, tx, reg); err != nil {
			return err
		}
		def := forms.Definition{Schema: []byte(`{"type":"object","properties":{"x":{"type":"string"}}}`),
			Layout: []forms.Section{{Title: tenant.Text{UK: "Крок"}, Fields: []forms.Field{{Name: "x", Label: tenant.Text{UK: "Х"}}}}}}
		if _, err := applications.PublishForm(ctx, tx, "T-1", def, nil); err != nil {
			return err
		}
		for code, id := range map[string]*uuid.UUID{"roads": &e.roads, "housing": &e.housing, "dcnap": &e.cnap} {
			if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = $1`, code).Scan(id); err != nil {
				return err
			}
		}
		if err := appeals.LoadClassifier(ctx, tx, classifier()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO public_holidays (tenant_id, day, name) VALUES (app_tenant_id(), $1, 'Вихідний')`, holiday); err != nil {
			return err
		}
		for _, p := range []struct {
			p          *person
			rnokpp     string
			name, role string
			provider   *uuid.UUID
		}{
			{&e.r1, "3221501449", "Шевченко Олена Петрівна", "", nil},
			{&e.r2, "2916002336", "Коваленко Андрій Іванович", "", nil},
			{&e.roadsOff, "3071025884", "Гнатюк Тарас Олегович", "official", &e.roads},
			{&e.roadsHead, "3184710691", "Мельник Ганна Олексіївна", "provider_head", &e.roads},
			{&e.cnapOff, "3312004777", "Кравець Ольга Іванівна", "official", &e.cnap},
			{&e.housingOff, "3000000008", "Ткаченко Петро Ігорович", "official", &e.housing},
			{&e.dispatcher, "3431006220", "Литвин Оксана Романівна", "dispatcher", nil},
		} {
			acc, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: p.rnokpp, FullName: p.name})
			if err != nil {
				return err
			}
			*p.p = person{ID: acc.ID, RNOKPP: p.rnokpp, Name: p.name}
			if p.role != "" {
				if _, err := tx.Exec(ctx, `INSERT INTO access_grants (tenant_id, id, account_id, role, provider_id, position) VALUES (app_tenant_id(), $1, $2, $3, $4, 'головний спеціаліст')`,
					uuid.New(), acc.ID, p.role, p.provider); err != nil {
					return err
				}
			}
		}
		ca, err = applications.EnsureDevCA(ctx, tx, sealer)
		return err
	}))
	notices, err := notify.New(notify.Options{DB: db.App, Log: slog.New(slog.DiscardHandler),
		Insert:    func(context.Context, pgx.Tx, tenant.JobArgs) error { return nil },
		PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + ".localhost" }})
	require.NoError(t, err)
	e.ca = ca
	signer := signature.NewDevSigner(ca)
	e.svc = &appeals.Service{DB: db.App, Docs: docs, Notify: notices, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
		Signer: func(context.Context) (signature.HashSigner, error) { return signer, nil }, Assets: os.DirFS("../../web/static")}
	return e
}

// as is the city's context with p signed in.
func (e *env) as(p person) context.Context {
	return identity.WithSigned(e.ctx, &identity.Signed{AccountID: p.ID, RNOKPP: p.RNOKPP, FullName: p.Name})
}

// clock sets the service's time.
func (e *env) clock(t time.Time) { e.svc.Now = func() time.Time { return t } }

// pothole is a complaint about a pothole at a point in Podil.
func pothole() appeals.Filing {
	return appeals.Filing{Kind: appeals.Complaint, Category: "roads", Body: "Глибока яма на проїжджій частині біля будинку 5",
		Lat: "50,4651", Lon: "30,5155", District: "podil", Public: true, Key: uuid.NewString()}
}

// file files f as p, requiring success.
func (e *env) file(t *testing.T, p person, f appeals.Filing) *appeals.Appeal {
	t.Helper()
	a, errs, err := e.svc.File(e.as(p), f, nil)
	require.NoError(t, err)
	require.Empty(t, errs)
	return a
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, sql, args...).Scan(&n)
	}))
	return n
}

func (e *env) exec(sql string, args ...any) error {
	return e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sql, args...)
		return err
	})
}

// notices counts the notices of key an account has.
func (e *env) notices(t *testing.T, account uuid.UUID, key string) int {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM notifications WHERE account_id = $1 AND key = $2`, account, key)
}

func constraint(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.ConstraintName
	}
	return ""
}
