package monitoring_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/modules/monitoring"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
	"hromada/ukid"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// first is the seeded week's first day: Monday 2 March 2026 in Kyiv.
var first = time.Date(2026, 3, 2, 0, 0, 0, 0, tenant.Zone)

// env is one test's city: two providers, three services (one with a
// national code), a centre with a window, residents and an official, and
// a week of seeded activity.
type env struct {
	db  *tenanttest.DB
	tn  *tenant.Tenant
	ctx context.Context
	svc *monitoring.Service
	ids map[string]uuid.UUID // providers, services, centre, window, people by code
}

func txt(s string) catalog.Text { return catalog.Text{UK: s, EN: s} }

func setup(t *testing.T) *env {
	t.Helper()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	e := &env{db: db, tn: tn, ctx: tenant.With(t.Context(), tn), ids: map[string]uuid.UUID{}}
	e.svc = monitoring.New(monitoring.Options{DB: db.App})
	e.exec(t, func(ctx context.Context, tx pgx.Tx) error {
		err := catalog.LoadRegister(ctx, tx, catalog.Register{
			Providers: []catalog.Provider{{Code: "p-1", Name: txt("Управління соціального захисту")}, {Code: "p-2", Name: txt("Департамент ЦНАП")}},
			Centres:   []catalog.Centre{{Code: "cnap-1", Kind: "centre", Name: txt("ЦНАП Центральний"), Address: txt("вул. Тестова, 1"), Lat: 50.45, Lon: 30.52}},
			Services: []catalog.RegisteredService{
				{Provider: "p-1", Content: catalog.Content{Code: "S-1", NationalCode: "00012", Name: txt("Допомога при народженні дитини")}},
				{Provider: "p-1", Content: catalog.Content{Code: "S-2", Name: txt("Субсидія")}},
				{Provider: "p-2", Content: catalog.Content{Code: "S-3", Name: txt("Реєстрація місця проживання"), Centres: []string{"cnap-1"}}},
			},
		})
		if err != nil {
			return err
		}
		for _, q := range []struct{ key, sql string }{
			{"p-1", `SELECT id FROM providers WHERE code = 'p-1'`}, {"p-2", `SELECT id FROM providers WHERE code = 'p-2'`},
			{"S-1", `SELECT id FROM services WHERE code = 'S-1'`}, {"S-2", `SELECT id FROM services WHERE code = 'S-2'`},
			{"S-3", `SELECT id FROM services WHERE code = 'S-3'`}, {"cnap-1", `SELECT id FROM centres WHERE code = 'cnap-1'`},
		} {
			var id uuid.UUID
			if err := tx.QueryRow(ctx, q.sql).Scan(&id); err != nil {
				return fmt.Errorf("%s: %w", q.key, err)
			}
			e.ids[q.key] = id
		}
		for i := range 4 {
			a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: rnokppOf(i), FamilyName: "Особа", GivenName: strconv.Itoa(i)})
			if err != nil {
				return err
			}
			e.ids["person-"+strconv.Itoa(i)] = a.ID
		}
		e.ids["window"] = uuid.New()
		_, err = tx.Exec(ctx, `INSERT INTO centre_windows (tenant_id, id, centre_id, number) VALUES (app_tenant_id(), $1, $2, 1)`,
			e.ids["window"], e.ids["cnap-1"])
		return err
	})
	return e
}

// exec runs fn in one transaction of the city.
func (e *env) exec(t *testing.T, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	require.NoError(t, e.db.App.Tx(e.ctx, fn))
}

// rnokppOf is the n-th valid РНОКПП of the tests' people.
func rnokppOf(n int) string {
	base := strconv.Itoa(310000000 + n*7)
	for d := range 10 {
		if s := base + strconv.Itoa(d); ukid.ValidRNOKPP(s) {
			return s
		}
	}
	panic("no check digit")
}

// at is a moment of the seeded week: day d (0 = Monday 2 March) at
// minute m of the day, Kyiv time.
func at(d, m int) time.Time { return first.AddDate(0, 0, d).Add(time.Duration(m) * time.Minute) }

// seed fills the city's week from a fixed pseudo-random sequence:
// applications in every state (drafts, received, decided by the system and
// by officials, refused on two grounds, issued, withdrawn, paused, late),
// payments, appeals routed and not, bookings and walk-ins, ratings and
// card views. Every row's timestamps are of that week, as if it had been
// written then (so a rollup's watermark of today finds none of them). Some facts fall near midnight so that the city's local date
// and UTC's differ.
func (e *env) seed(t *testing.T) {
	t.Helper()
	r := rand.New(rand.NewPCG(21, 864))
	services := []string{"S-1", "S-2", "S-3"}
	providerOf := map[string]string{"S-1": "p-1", "S-2": "p-1", "S-3": "p-2"}
	official := e.ids["person-3"]
	grounds := []string{"Подано неповний пакет документів", "Заявник не має права на послугу"}
	e.exec(t, func(ctx context.Context, tx pgx.Tx) error {
		forms := map[string]uuid.UUID{}
		for _, s := range services {
			forms[s] = uuid.New()
			if _, err := tx.Exec(ctx, `INSERT INTO service_forms (tenant_id, id, service_id, version, definition, status)
				VALUES (app_tenant_id(), $1, $2, 1, '{}', 'published')`, forms[s], e.ids[s]); err != nil {
				return err
			}
		}
		for i := range 80 {
			s := services[r.IntN(3)]
			created := at(r.IntN(7), r.IntN(24*60))
			a := map[string]any{"id": uuid.New(), "service": e.ids[s], "provider": e.ids[providerOf[s]], "form": forms[s],
				"applicant": e.ids["person-"+strconv.Itoa(r.IntN(3))], "created": created}
			status := "draft"
			var received, decided, paused *time.Time
			var due *time.Time
			var decision, ground *string
			var decidedBy *uuid.UUID
			if r.IntN(5) > 0 {
				status = "received"
				rc := created.Add(time.Duration(r.IntN(120)) * time.Minute)
				received = &rc
				d := time.Date(rc.In(tenant.Zone).Year(), rc.In(tenant.Zone).Month(), rc.In(tenant.Zone).Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(6))
				due = &d
				switch k := r.IntN(10); {
				case k < 6:
					dc := rc.Add(time.Duration(r.IntN(9*24*60)) * time.Minute)
					decided = &dc
					dec := "approved"
					if r.IntN(3) == 0 {
						dec = "refused"
						g := grounds[r.IntN(2)]
						ground = &g
					}
					decision, status = &dec, dec
					if r.IntN(5) < 3 {
						decidedBy = &official
					}
				case k == 6:
					p := rc.Add(time.Duration(r.IntN(3*24*60)) * time.Minute)
					paused = &p
				}
			}
			a["status"], a["received"], a["due"], a["decided"], a["decision"], a["paused"], a["decidedBy"] = status, received, due, decided, decision, paused, decidedBy
			if ground == nil {
				empty := ""
				ground = &empty
			}
			a["grounds"] = *ground
			if err := insertApplication(ctx, tx, i, a); err != nil {
				return err
			}
			switch {
			case decided != nil && r.IntN(2) == 0:
				if err := event(ctx, tx, a["id"], status, "issued", decided.Add(time.Duration(r.IntN(30*60))*time.Minute)); err != nil {
					return err
				}
			case status == "received" && paused == nil && r.IntN(6) == 0:
				if err := event(ctx, tx, a["id"], "received", "withdrawn", received.Add(time.Duration(r.IntN(4*24*60))*time.Minute)); err != nil {
					return err
				}
			}
			if received != nil && r.IntN(3) == 0 {
				paid := received.Add(time.Duration(r.IntN(24*60)) * time.Minute)
				if _, err := tx.Exec(ctx, `INSERT INTO invoices (tenant_id, id, application_id, account_id, provider_id, number, service,
					amount_kopecks, recipient, edrpou, iban, purpose, payer, payer_tax_id, status, paid_at)
					VALUES (app_tenant_id(), $1, $2, $3, $4, $5, 'Послуга', $6, 'Бюджет', '12345678', 'UA00', 'Плата', 'Особа', '1', 'paid', $7)`,
					uuid.New(), a["id"], a["applicant"], a["provider"], "I-"+strconv.Itoa(i), int64(1000+r.IntN(50000)), paid); err != nil {
					return err
				}
			}
		}
		category := uuid.New()
		if _, err := tx.Exec(ctx, `INSERT INTO appeal_categories (tenant_id, id, code, name_uk) VALUES (app_tenant_id(), $1, 'roads', 'Дороги')`, category); err != nil {
			return err
		}
		// A second category and the districts (the appeals' facets), taken
		// by the appeal's number so that the random sequence stays.
		lights := uuid.New()
		if _, err := tx.Exec(ctx, `INSERT INTO appeal_categories (tenant_id, id, code, name_uk) VALUES (app_tenant_id(), $1, 'lights', 'Освітлення')`, lights); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO appeal_districts (tenant_id, code, name_uk) VALUES (app_tenant_id(), 'podil', 'Подільський'), (app_tenant_id(), 'obolon', 'Оболонський')`); err != nil {
			return err
		}
		for i := range 30 {
			rc := at(r.IntN(7), r.IntN(24*60))
			local := rc.In(tenant.Zone)
			due := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1+r.IntN(4))
			var provider *uuid.UUID
			if k := r.IntN(3); k < 2 {
				p := e.ids["p-"+strconv.Itoa(k+1)]
				provider = &p
			}
			var answered *time.Time
			var answeredBy *uuid.UUID
			status := "received"
			if r.IntN(5) < 3 {
				an := rc.Add(time.Duration(r.IntN(8*24*60)) * time.Minute)
				answered, answeredBy, status = &an, &official, "answered"
			}
			cat, district := category, []string{"", "podil", "obolon"}[i%3]
			if i%2 == 1 {
				cat = lights
			}
			var rating *int
			if answered != nil && i%4 != 0 {
				rating = &[]int{1 + i%5}[0]
			}
			if _, err := tx.Exec(ctx, `INSERT INTO appeals (tenant_id, id, number, kind, category_id, author_id, author_name, body,
				provider_id, status, received_at, due_on, answered_at, answered_by, idempotency_key, updated_at, district, rating, rated_at)
				VALUES (app_tenant_id(), $1, $2, 'statement', $3, $4, 'Особа', 'Яма на дорозі', $5, $6, $7, $8, $9, $10, $2, greatest($7::timestamptz, $9::timestamptz),
					$11, $12, CASE WHEN $12::int IS NOT NULL THEN $9::timestamptz + interval '1 hour' END)`,
				uuid.New(), "A-"+strconv.Itoa(i), cat, e.ids["person-0"], provider, status, rc, due, answered, answeredBy, district, rating); err != nil {
				return err
			}
		}
		for i := range 40 {
			s := services[r.IntN(3)]
			starts := first.AddDate(0, 0, 2).Add(time.Duration(i) * time.Hour) // one window: an hour each, never overlapping
			created := starts.Add(-time.Duration(1+r.IntN(5*24*60)) * time.Minute)
			kind, status := "booking", []string{"booked", "cancelled", "served", "no_show", "served"}[r.IntN(5)]
			window := &[]uuid.UUID{e.ids["window"]}[0]
			if r.IntN(4) == 0 {
				kind, status, window = "walk_in", []string{"arrived", "served"}[r.IntN(2)], nil
				starts = created
			}
			var startsAt, endsAt *time.Time
			var account *uuid.UUID
			if kind == "booking" {
				end := starts.Add(30 * time.Minute)
				startsAt, endsAt, account = &starts, &end, &[]uuid.UUID{e.ids["person-1"]}[0]
			}
			id := uuid.New()
			l := starts.In(tenant.Zone)
			if _, err := tx.Exec(ctx, `INSERT INTO visits (tenant_id, id, kind, code, ticket, centre_id, service_id, account_id, window_id,
				starts_at, ends_at, day, status, created_at) VALUES (app_tenant_id(), $1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
				id, kind, "V-"+strconv.Itoa(i), e.ids["cnap-1"], e.ids[s], account, window, startsAt, endsAt,
				time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC), status, created); err != nil {
				return err
			}
			if status == "served" && r.IntN(4) > 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO visit_ratings (tenant_id, visit_id, centre_id, service_id, score, created_at)
					VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`, id, e.ids["cnap-1"], e.ids[s], 1+r.IntN(4), starts.Add(time.Duration(r.IntN(3000))*time.Minute)); err != nil {
					return err
				}
			}
		}
		// Applicants rate two results in three, after the decision
		// (modules/applications rating.go); from the ids, so the random
		// draws above stay as they were.
		if _, err := tx.Exec(ctx, `INSERT INTO result_ratings (tenant_id, application_id, service_id, provider_id, score, created_at)
			SELECT app_tenant_id(), id, service_id, provider_id, 1 + abs(hashtext(id::text)) % 4, decided_at + interval '90 minutes'
			FROM applications WHERE decision IS NOT NULL AND abs(hashtext(id::text || 'r')) % 3 > 0`); err != nil {
			return err
		}
		for _, s := range services {
			for d := range 7 {
				if _, err := tx.Exec(ctx, `INSERT INTO service_card_views (tenant_id, service_id, day, views, updated_at) VALUES (app_tenant_id(), $1, $2, $3, $4)`,
					e.ids[s], first.AddDate(0, 0, d).Format(time.DateOnly), r.IntN(500), at(d+1, 0)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func insertApplication(ctx context.Context, tx pgx.Tx, i int, a map[string]any) error {
	signed := a["status"] != "draft"
	var number, rnokpp *string
	var canonical []byte
	var signedAt any
	if signed {
		n, p := fmt.Sprintf("2026-%06d", i), rnokppOf(0)
		number, rnokpp, canonical, signedAt = &n, &p, []byte{1}, a["received"]
	}
	_, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, id, number, service_id, provider_id, form_id, applicant_id, status,
		canonical, signature, signer_rnokpp, signed_at, sent_at, received_at, due_on, decision, grounds, decided_by, decided_at,
		paused_at, paused_days, created_at, updated_at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $10, $10, $11, $12, $13, $14, $15, $16,
		CASE WHEN $16::timestamptz IS NULL THEN NULL ELSE 3 END, $17, greatest($17::timestamptz, $10::timestamptz, $15::timestamptz, $16::timestamptz))`,
		a["id"], number, a["service"], a["provider"], a["form"], a["applicant"], a["status"], canonical, rnokpp, signedAt,
		a["due"], a["decision"], a["grounds"], a["decidedBy"], a["decided"], a["paused"], a["created"])
	return err
}

func event(ctx context.Context, tx pgx.Tx, app any, from, to string, when time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO application_events (tenant_id, id, application_id, from_status, to_status, at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`, uuid.New(), app, from, to, when)
	return err
}

// count runs a count query in the city.
func (e *env) count(t *testing.T, sql string) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, sql).Scan(&n)
	}))
	return n
}
