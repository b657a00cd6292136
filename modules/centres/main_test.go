package centres_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/catalog"
	"hromada/modules/centres"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
	"hromada/ukid"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// monday is the tests' clock: Monday 2 March 2026, 10:00 in Kyiv. The
// next day, Tuesday 3 March, the test centre is open 9:00–12:00 with a
// break 10:00–10:30; Wednesday 4 March is a holiday.
var monday = time.Date(2026, 3, 2, 10, 0, 0, 0, tenant.Zone)

func at(day, hour, minute int) time.Time {
	return time.Date(2026, 3, day, hour, minute, 0, 0, tenant.Zone)
}

func txt(s string) catalog.Text { return catalog.Text{UK: s, EN: s} }

// env is one test's city with a centre (cnap-t) of windows, a service
// (T-1, 30 minutes) and residents.
type env struct {
	db  *tenanttest.DB
	tn  *tenant.Tenant
	ctx context.Context
	svc *centres.Service
	now time.Time
}

// setup makes the city; windows is how many windows serve T-1.
func setup(t *testing.T, windows int) *env {
	t.Helper()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	e := &env{db: db, tn: tn, ctx: tenant.With(t.Context(), tn), now: monday}
	setupW := centres.Setup{Centre: "cnap-t", Provider: "prov-c", Minutes: map[string]int{"T-1": 30},
		Hours: []centres.SetupHours{
			{Weekday: 1, Opens: "08:00", Closes: "18:00"},
			{Weekday: 2, Opens: "09:00", Closes: "12:00", Break: "10:00-10:30"},
			{Weekday: 3, Opens: "09:00", Closes: "12:00"},
		}}
	for i := 1; i <= windows; i++ {
		setupW.Windows = append(setupW.Windows, centres.SetupWindow{Number: i, Services: []string{"T-1"}})
	}
	require.NoError(t, db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		err := catalog.LoadRegister(ctx, tx, catalog.Register{
			Providers: []catalog.Provider{{Code: "prov-c", Name: txt("Департамент ЦНАП")}},
			Centres:   []catalog.Centre{{Code: "cnap-t", Kind: "centre", Name: txt("ЦНАП Тестовий"), Address: txt("вул. Тестова, 1"), Lat: 50.45, Lon: 30.52}},
			Services: []catalog.RegisteredService{
				{Provider: "prov-c", Content: catalog.Content{Code: "T-1", Name: txt("Паспорт громадянина України"), Centres: []string{"cnap-t"}}},
				{Provider: "prov-c", Content: catalog.Content{Code: "T-2", Name: txt("Довідка, без запису"), Centres: []string{"cnap-t"}}},
			},
		})
		if err != nil {
			return err
		}
		if err := catalog.SetHoliday(ctx, tx, at(4, 0, 0), "Свято"); err != nil {
			return err
		}
		return centres.Configure(ctx, tx, setupW)
	}))
	notices, err := notify.New(notify.Options{DB: db.App, Log: slog.New(slog.DiscardHandler),
		Insert: func(context.Context, pgx.Tx, tenant.JobArgs) error {
			return errors.New("no channel is confirmed in these tests: nothing to deliver")
		},
		PortalURL: func(t *tenant.Tenant) string { return "http://" + t.Slug + ".localhost" }})
	require.NoError(t, err)
	e.svc = centres.New(centres.Options{DB: db.App, Notify: notices, Now: func() time.Time { return e.now }})
	return e
}

// resident is a new signed-in resident's context.
func (e *env) resident(t *testing.T, n int) context.Context {
	t.Helper()
	var id uuid.UUID
	rnokpp := rnokppOf(n)
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: rnokpp, FullName: "Мешканець " + strconv.Itoa(n)})
		id = a.ID
		return err
	}))
	return identity.WithSigned(e.ctx, &identity.Signed{AccountID: id, RNOKPP: rnokpp})
}

// count runs a count query in the city.
func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, sql, args...).Scan(&n)
	}))
	return n
}

// rnokppOf is the n-th valid РНОКПП of the tests' residents.
func rnokppOf(n int) string {
	base := strconv.Itoa(310000000 + n*7)
	for d := range 10 {
		if s := base + strconv.Itoa(d); ukid.ValidRNOKPP(s) {
			return s
		}
	}
	panic("no check digit")
}
