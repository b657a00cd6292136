package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/devidp"
	"hromada/modules/identity"
	"hromada/modules/operator"
	"hromada/tenant"
)

// personaRNOKPP is the РНОКПП of the development IdP's persona id.
func personaRNOKPP(t *testing.T, id string) string {
	t.Helper()
	for _, p := range devidp.Personas {
		if p.ID == id {
			return p.RNOKPP
		}
	}
	t.Fatalf("no persona %q", id)
	return ""
}

// requireNoRNOKPPOnThePlatform fails if any table the operator's role may
// read (the platform's and River's: it may read no tenant table) holds
// rnokpp anywhere in a row.
func requireNoRNOKPPOnThePlatform(t *testing.T, ta *testApp, rnokpp string) {
	t.Helper()
	ctx := t.Context()
	rows, err := ta.opPool.Query(ctx, `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, 'SELECT')`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Contains(t, tables, "tenants")
	require.Contains(t, tables, "river_job")
	require.NotContains(t, tables, "accounts", "the operator reads a tenant table")
	for _, tb := range tables {
		var n int
		require.NoError(t, ta.opPool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %s r WHERE r::text LIKE '%%' || $1 || '%%'`,
			pgx.Identifier{tb}.Sanitize()), rnokpp).Scan(&n))
		require.Zerof(t, n, "platform table %s holds the administrator's РНОКПП", tb)
	}
}

// requireAppointed checks, inside the city, that the person with rnokpp is
// its administrator, appointed by the platform, and that the city's audit
// log says so.
func requireAppointed(t *testing.T, ta *testApp, slug, rnokpp string) {
	t.Helper()
	tn, err := ta.operator.Get(t.Context(), slug)
	require.NoError(t, err)
	var grants, events int
	var actor string
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), tn), func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			SELECT count(*) FROM access_grants g JOIN accounts a ON a.id = g.account_id
			WHERE a.rnokpp = $1 AND g.role = 'administrator' AND g.status = 'active' AND g.granted_by IS NULL`, rnokpp).Scan(&grants); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
			SELECT count(*), coalesce(min(e.actor_name), '') FROM audit_events e JOIN accounts a ON e.details->>'account' = a.id::text
			WHERE e.action = 'access.bootstrap' AND e.details->>'role' = 'administrator' AND a.rnokpp = $1`, rnokpp).Scan(&events, &actor)
	}))
	require.Equal(t, 1, grants, "no active administrator grant by the platform")
	require.Equal(t, 1, events, "the city's audit log does not record the appointment")
	require.Contains(t, actor, "platform operator")
}

// The operator creates a city with its first administrator's РНОКПП; the
// person signs in to the new city through the platform's default sign-in
// method (in dev, the development IdP) and administers it. The platform
// keeps no РНОКПП and the console shows only that there is an administrator.
func TestOnboardingFirstAdministrator(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	console := func(p string) string { return ta.url(testBase, p) }
	admin := personaRNOKPP(t, "resident")

	c := ta.client(t)
	r, _ := signInFrom(t, ta, c, console("/signin/oidc"), "operator")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, `id="f-administrator"`)

	form := url.Values{"slug": {"lutsk"}, "name": {"Луцька міська рада"}, "display_name": {"Луцьк"},
		"primary_color": {"#1d4f91"}, "accent_color": {"#ffd500"}, "domains": {""},
		"phone": {"+380332000000"}, "email": {"cnap@lutsk.example"}, "address": {"м. Луцьк, вул. Б. Хмельницького, 19"},
		"coat_of_arms": {"/static/img/lutsk.svg"}}

	t.Run("BadRNOKPPCreatesNothing", func(t *testing.T) {
		for _, tc := range []struct{ value, msg string }{
			{"", "Вкажіть РНОКПП першого адміністратора громади"},
			{"1234567890", "РНОКПП першого адміністратора громади некоректний"},
			{"12345", "РНОКПП першого адміністратора громади некоректний"},
		} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("administrator", tc.value)
			r := do(t, c, http.MethodPost, console("/tenants"), f, nil)
			require.Equal(t, http.StatusBadRequest, r.status, tc.value)
			require.Contains(t, r.body, tc.msg)
			require.Contains(t, r.body, `href="#f-administrator"`)
			require.Regexp(t, `id="f-administrator"[^>]*aria-invalid="true"`, r.body)
			require.Contains(t, r.body, `value="Луцька міська рада"`, "the form lost what was typed")
			_, err := ta.operator.Get(t.Context(), "lutsk")
			require.ErrorIs(t, err, tenant.ErrNotFound)
		}
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("administrator", admin)
		f.Set("email", "not-an-address")
		r := do(t, c, http.MethodPost, console("/tenants"), f, nil)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.body, "Електронна пошта для звернень «not-an-address» некоректна")
		f.Set("email", "cnap@lutsk.example")
		f.Set("coat_of_arms", "javascript:alert(1)")
		r = do(t, c, http.MethodPost, console("/tenants"), f, nil)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.body, `href="#f-coat_of_arms"`)
		_, err := ta.operator.Get(t.Context(), "lutsk")
		require.ErrorIs(t, err, tenant.ErrNotFound)
	})

	form.Set("administrator", admin[:5]+" "+admin[5:]) // spaces typed inside the number are forgiven
	r = do(t, c, http.MethodPost, console("/tenants"), form, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	r = get(t, c, console(r.header.Get("Location")))
	require.Contains(t, r.body, "Громаду «Луцька міська рада» створено")

	lutsk, err := ta.operator.Get(t.Context(), "lutsk")
	require.NoError(t, err)
	require.Equal(t, "+380332000000", lutsk.Branding.Contacts.Phone)
	require.Equal(t, "cnap@lutsk.example", lutsk.Branding.Contacts.Email)
	require.Equal(t, "/static/img/lutsk.svg", lutsk.Branding.CoatOfArms)
	eventually(t, func() bool {
		st, err := ta.operator.Administrators(t.Context())
		require.NoError(t, err)
		return st[lutsk.ID] == operator.AdminAppointed
	}, "the first administrator was not appointed")

	// The console says that there is an administrator, and not who.
	r = get(t, c, console("/"))
	require.Contains(t, r.body, "Призначено")
	require.NotContains(t, r.body, admin)

	// The job is done and its args hold the tenant only; no platform table
	// holds the РНОКПП.
	var args string
	require.NoError(t, ta.opPool.QueryRow(t.Context(),
		`SELECT args::text FROM river_job WHERE kind = 'onboarding.appoint_administrator' AND state = 'completed' AND args->>'tenant_id' = $1`,
		lutsk.ID.String()).Scan(&args))
	require.NotContains(t, args, "rnokpp")
	requireNoRNOKPPOnThePlatform(t, ta, admin)

	// The city's audit log records the appointment as the platform's.
	requireAppointed(t, ta, "lutsk", admin)

	// The person signs in to the new city through the development IdP and
	// administers it; the public page shows the contacts.
	p := ta.client(t)
	r, _ = signIn(t, ta, p, "lutsk."+testBase, "resident")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, "cnap@lutsk.example")
	eventually(t, func() bool { return get(t, p, ta.url("lutsk."+testBase, "/admin/officials")).status == http.StatusOK },
		"the first administrator cannot open the officials' console")
	// Their name came with their first sign-in.
	var name string
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), lutsk), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT full_name FROM accounts WHERE rnokpp = $1`, admin).Scan(&name)
	}))
	require.Contains(t, name, "Шевченко")

	// Somebody else signing in is a resident there, not an administrator.
	o := ta.client(t)
	signIn(t, ta, o, "lutsk."+testBase, "legal_rep")
	require.Equal(t, http.StatusForbidden, get(t, o, ta.url("lutsk."+testBase, "/admin/officials")).status)
	require.Equal(t, http.StatusForbidden, get(t, o, ta.url("lutsk."+testBase, "/admin/getting-started")).status)

	// The administrator's checklist: a new city has only its branding (the
	// operator's); an item ticks itself when the data is there (the city's
	// own sign-in).
	r = get(t, p, ta.url("lutsk."+testBase, "/admin/getting-started"))
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Contains(t, r.body, "Зроблено 1 з 7.")
	require.Contains(t, r.body, `<a href="/admin/identity-providers">Власний спосіб входу громади</a>`)
	var account uuid.UUID
	require.NoError(t, ta.db.App.Tx(tenant.With(t.Context(), lutsk), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM accounts WHERE rnokpp = $1`, admin).Scan(&account)
	}))
	own := &identity.Provider{Kind: identity.KindIDGovUA, Name: "ID.GOV.UA (Луцьк)", Issuer: "https://id.example.test",
		ClientID: "lutsk-own", ClientSecret: "s", Enabled: true}
	require.NoError(t, ta.identity.SaveProvider(identity.WithSigned(tenant.With(t.Context(), lutsk), &identity.Signed{AccountID: account}), own))
	r = get(t, p, ta.url("lutsk."+testBase, "/admin/getting-started"))
	require.Contains(t, r.body, "Зроблено 2 з 7.")
	require.NotContains(t, r.body, `<a href="/admin/identity-providers">`)
}

// `hromada tenant create --admin` does the same from the command line, and
// refuses a bad РНОКПП before creating anything.
func TestOnboardingFromTheCLI(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	env := map[string]string{
		"HROMADA_DATABASE_URL":          ta.db.AppDSN,
		"HROMADA_OPERATOR_DATABASE_URL": ta.db.OperatorDSN,
		"HROMADA_OWNER_DATABASE_URL":    ta.db.OwnerDSN,
		"HROMADA_DATA_DIR":              t.TempDir(),
		"HROMADA_BASE_DOMAIN":           testBase,
		"HROMADA_LOG_LEVEL":             "warn",
		"HROMADA_LANG":                  "uk",
	}
	admin := personaRNOKPP(t, "legal_rep")

	for _, bad := range []string{"", "1234567890", "abc"} {
		args := []string{"tenant", "create", "--slug", "rivne", "--name", "Рівненська міська рада"}
		if bad != "" {
			args = append(args, "--admin", bad)
		}
		code, _, errOut := runCLI(t, env, args...)
		require.Equalf(t, exitUsage, code, "admin %q", bad)
		require.Containsf(t, errOut, "РНОКПП першого адміністратора громади", "admin %q: %s", bad, errOut)
		_, err := ta.operator.Get(t.Context(), "rivne")
		require.ErrorIs(t, err, tenant.ErrNotFound)
	}

	code, out, errOut := runCLI(t, env, "tenant", "create", "--slug", "rivne", "--name", "Рівненська міська рада",
		"--admin", admin, "--phone", "+380362000000", "--email", "cnap@rivne.example")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "http://rivne."+testBase)
	require.NotContains(t, out, admin)

	eventually(t, func() bool {
		_, out, _ := runCLI(t, env, "tenant", "list")
		return strings.Contains(out, "appointed")
	}, "`tenant list` does not show the administrator appointed")
	_, out, _ = runCLI(t, env, "tenant", "list")
	require.NotContains(t, out, admin)
	requireNoRNOKPPOnThePlatform(t, ta, admin)
	requireAppointed(t, ta, "rivne", admin)

	p := ta.client(t)
	signIn(t, ta, p, "rivne."+testBase, "legal_rep")
	eventually(t, func() bool { return get(t, p, ta.url("rivne."+testBase, "/admin/officials")).status == http.StatusOK },
		"the first administrator cannot open the officials' console")
}

// In production a new city, which has no identity provider of its own, is
// offered the platform's default sign-in method (HROMADA_IDGOVUA_*) until
// its administrator enables the city's own.
func TestNewCitySignsInWithThePlatformDefault(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{production: true, idgovua: "https://id.example.test"})
	lutsk := ta.newTenant(t, tenant.CreateParams{Slug: "lutsk", Name: "Луцька міська рада"})
	c := ta.client(t)
	login := ta.url("lutsk."+testBase, "/auth/login?return=/")

	// The one choice is the platform's default, which sends the person to
	// id.gov.ua as the platform's client.
	r := get(t, c, login)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Contains(t, r.header.Get("Location"), "/auth/login/"+identity.DefaultProviderID.String())
	r = get(t, c, ta.url("lutsk."+testBase, r.header.Get("Location")))
	require.Equal(t, http.StatusFound, r.status, r.body)
	to, err := url.Parse(r.header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "id.example.test", to.Host)
	require.Equal(t, "hromada-platform", to.Query().Get("client_id"))

	// Once the city enables its own provider, that is the one offered.
	ctx := tenant.With(t.Context(), lutsk)
	var account uuid.UUID
	require.NoError(t, ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: personaRNOKPP(t, "administrator")})
		account = a.ID
		return err
	}))
	own := &identity.Provider{Kind: identity.KindIDGovUA, Name: "ID.GOV.UA (Луцьк)", Issuer: "https://id.example.test",
		ClientID: "lutsk-own", ClientSecret: "s", Enabled: true}
	require.NoError(t, ta.identity.SaveProvider(identity.WithSigned(ctx, &identity.Signed{AccountID: account}), own))
	r = get(t, ta.client(t), login)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Contains(t, r.header.Get("Location"), "/auth/login/"+own.ID.String())
	r = get(t, c, ta.url("lutsk."+testBase, "/auth/login/"+identity.DefaultProviderID.String()+"?return=/"))
	require.NotEqual(t, http.StatusFound, r.status, "the platform's default is still offered to a city with its own provider")
}
