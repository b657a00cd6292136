package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

// Issue 12, "Lockout that catches attackers, not staff", over HTTP.

// lockedUntil is when the account's lockout ends ("" when it is not
// locked), as the pages show it.
func (e *appsEnv) lockedUntil(account uuid.UUID) string {
	e.t.Helper()
	var until *time.Time
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT locked_until FROM lockouts WHERE key = $1 AND locked_until > now()`, "account:"+account.String()).Scan(&until)
		if err == pgx.ErrNoRows {
			return nil
		}
		return err
	})
	if until == nil {
		return ""
	}
	return until.In(tenant.Zone).Format("02.01.2006 15:04")
}

// account is the id and full name of a persona's account in Kyiv.
func (e *appsEnv) account(persona string) (uuid.UUID, string) {
	e.t.Helper()
	var id uuid.UUID
	var name string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id, full_name FROM accounts WHERE rnokpp = $1`, appsPersona(e.t, persona).RNOKPP).Scan(&id, &name)
	})
	return id, name
}

// Staff clicking through pages they may not open (plain GET 403s) are
// recorded, not locked out: their own work keeps working.
func TestLockoutNotForPlainPageViews(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	transport := e.providerID("transport")
	pages := []string{"/admin/officials", "/admin/security", "/admin/policies", "/admin/audit", "/admin/access-requests", "/admin/services"}
	for _, persona := range []string{"official-transport", "dispatcher"} {
		c := e.as(appsKyiv, persona)
		id, _ := e.account(persona)
		for range 3 {
			for _, p := range pages {
				r := get(t, c, e.u(p))
				if r.status == http.StatusOK {
					continue // the dispatcher may open some of them
				}
				require.Equal(t, http.StatusForbidden, r.status, "%s GET %s", persona, p)
				require.Contains(t, appsText(r), "Недостатньо прав", "%s GET %s: the generic refusal", persona, p)
			}
		}
		require.Empty(t, e.lockedUntil(id), "%s is not locked out by page views", persona)
		require.Positive(t, e.count(`SELECT count(*) FROM security_events WHERE kind = 'access_denied' AND subject = $1 AND details->>'counted' = 'false'`, id.String()),
			"%s's refusals are recorded", persona)
		require.Zero(t, e.count(`SELECT count(*) FROM lockouts WHERE key = $1`, "account:"+id.String()), "%s: nothing counted", persona)
	}
	tr := e.as(appsKyiv, "official-transport")
	require.Equal(t, http.StatusOK, get(t, tr, e.u("/work/applications?provider="+transport)).status)
}

// An official probing another provider's applications is locked out at
// the city's threshold; the administrator is told at once, sees the lock
// and lifts it with a comment (audited); the official's resident cabinet
// works all along, and their work again after the unlock.
func TestLockoutCatchesProbes(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	// Kyiv's own policy: the 10th counted attempt locks (the default, 5,
	// would lock at the 5th).
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO lockout_policies (tenant_id, key_kind, threshold, base_delay_seconds) VALUES ($1, 'account', 10, 900)`, e.kyiv.ID)
		return err
	})
	resident := appsPersona(t, "resident")
	owner := e.as(appsKyiv, "resident")
	app := e.applyResidence(owner, resident) // at dcnap
	var file string
	for name, link := range appsFiles(get(t, owner, e.u("/cabinet/applications/"+app)).body) {
		if name == "pasport.pdf" {
			file = link[strings.LastIndex(link, "/")+1:]
		}
	}
	require.NotEmpty(t, file)
	transport := e.providerID("transport")
	official, officialName := e.account("official-transport")
	tr := e.as(appsKyiv, "official-transport")
	queue := e.u("/work/applications?provider=" + transport)
	require.Equal(t, http.StatusOK, get(t, tr, queue).status)

	// Ten probes of objects outside the official's scope, GETs and POSTs.
	probes := []struct{ method, path string }{
		{http.MethodGet, "/work/applications/" + app},
		{http.MethodGet, "/work/applications/" + app + "/files/" + file},
		{http.MethodPost, "/work/applications/" + app + "/take"},
		{http.MethodGet, "/work/applications?provider=" + e.providerID("dcnap")},
		{http.MethodGet, "/work/applications/" + app},
		{http.MethodPost, "/work/applications/" + app + "/take"},
		{http.MethodGet, "/work/applications/" + app + "/files/" + file},
		{http.MethodGet, "/work/applications/" + app},
		{http.MethodPost, "/work/applications/" + app + "/take"},
		{http.MethodGet, "/work/applications/" + app},
	}
	for i, p := range probes {
		var r response
		if p.method == http.MethodPost {
			r = appsPost(t, tr, e.u(p.path), url.Values{})
		} else {
			r = get(t, tr, e.u(p.path))
		}
		require.Equal(t, http.StatusForbidden, r.status, "probe %d: %s %s", i+1, p.method, p.path)
		if i < len(probes)-1 {
			require.Empty(t, e.lockedUntil(official), "not locked before the city's 10th attempt (probe %d)", i+1)
			require.Equal(t, http.StatusOK, get(t, tr, queue).status, "the own queue works before the lock (probe %d)", i+1)
		}
	}
	until := e.lockedUntil(official)
	require.NotEmpty(t, until, "locked at the 10th")
	require.Equal(t, "received", e.row(app).Status, "nothing changed")

	// The official sees the lockout page with its end, on the own queue
	// too; the resident cabinet works.
	r := get(t, tr, queue)
	require.Equal(t, http.StatusForbidden, r.status)
	text := appsText(r)
	require.Contains(t, text, "Службові права тимчасово заблоковано")
	require.Contains(t, text, "заблоковано до "+until)
	require.NotContains(t, text, "Недостатньо прав")
	r = get(t, tr, e.u("/cabinet"))
	require.Equal(t, http.StatusOK, r.status, "the resident cabinet keeps working")
	require.Equal(t, http.StatusOK, get(t, tr, e.u("/cabinet/notifications")).status)
	require.Equal(t, 10, e.count(`SELECT failures FROM lockouts WHERE key = $1`, "account:"+official.String()), "requests while locked do not count again")

	// The administrators are told at once, in their cabinet's inbox.
	admin := e.as(appsKyiv, "administrator")
	r = get(t, admin, e.u("/cabinet/notifications"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "Службові права "+officialName+" заблоковано до "+until)

	// …see the lock with its reason and end, and the attempts by name.
	r = get(t, admin, e.u("/admin/security"))
	require.Equal(t, http.StatusOK, r.status)
	text = appsText(r)
	locked := text[strings.Index(text, "Заблоковані облікові записи"):strings.Index(text, "Журнал подій безпеки")]
	require.Contains(t, locked, officialName)
	require.Contains(t, locked, "Спроб поза межами прав: 10")
	require.Contains(t, locked, until)
	require.Contains(t, locked, "/unlock")
	require.Contains(t, locked, "Правило громади: 10-та зарахована спроба блокує службові права на 15 хв")
	r = get(t, admin, e.u("/admin/security?kind=access_denied&person="+official.String()))
	require.Equal(t, http.StatusOK, r.status)
	text = appsText(r)
	require.Contains(t, text, "Знайдено записів: 10")
	require.Contains(t, text, "POST /work/applications/"+app+"/take")
	require.Contains(t, text, "зараховано до блокування")
	require.NotContains(t, text, "Олена", "the filter keeps to the official")
	today := time.Now().In(tenant.Zone)
	for _, q := range []string{"&from=" + today.AddDate(0, 0, 1).Format("2006-01-02"), "&to=" + today.AddDate(0, 0, -1).Format("2006-01-02")} {
		r = get(t, admin, e.u("/admin/security?kind=access_denied&person="+official.String()+q))
		require.Contains(t, appsText(r), "Знайдено записів: 0", "dates %s", q)
	}
	r = get(t, admin, e.u("/admin/security?kind=access_denied&person="+official.String()+"&from="+today.Format("2006-01-02")+"&to="+today.Format("2006-01-02")))
	require.Contains(t, appsText(r), "Знайдено записів: 10")

	// The officials page says so too, instead of a plain «Діє».
	r = get(t, admin, e.u("/admin/officials"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "Службові права заблоковано до "+until)
	require.Contains(t, r.body, `href="/admin/security?person=`+official.String()+`"`)

	// Unlocking needs a comment, named in Ukrainian.
	unlock := e.u("/admin/security/lockouts/" + official.String() + "/unlock")
	r = appsPost(t, admin, unlock, url.Values{"comment": {"  "}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, appsText(r), "Поле «Коментар до розблокування» обовʼязкове")
	require.NotEmpty(t, e.lockedUntil(official))
	r = appsPost(t, admin, unlock, url.Values{"comment": {"Помилилися посиланням, підтверджено телефоном"}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Empty(t, e.lockedUntil(official))
	require.Zero(t, e.count(`SELECT count(*) FROM lockouts WHERE key = $1`, "account:"+official.String()), "the counter is reset")
	admID, _ := e.account("administrator")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'security.lockout.unlock' AND object_id = $1
		AND actor_id = $2 AND details->>'comment' = 'Помилилися посиланням, підтверджено телефоном'`, official.String(), admID.String()))
	r = get(t, admin, e.u("/admin/security?kind=unlocked"))
	require.NotContains(t, appsText(r), "запис журналу аудиту №", "the administrator may not read the audit log: no link that would answer 403")
	require.Contains(t, appsText(r), "Зараз немає заблокованих облікових записів.")

	// The official works again; the auditor sees the lock but may not lift
	// one.
	require.Equal(t, http.StatusOK, get(t, tr, queue).status)
	aud := e.as(appsKyiv, "auditor")
	r = get(t, aud, e.u("/admin/security"))
	require.Equal(t, http.StatusOK, r.status)
	r = get(t, aud, e.u("/admin/security?kind=unlocked"))
	require.Contains(t, appsText(r), "запис журналу аудиту №", "for the auditor the event links its audit record")
	require.Equal(t, http.StatusForbidden, appsPost(t, aud, unlock, url.Values{"comment": {"x"}}).status)

	// Lviv keeps the default policy: five.
	lv := e.as(appsLviv, "official-transport")
	for range 5 {
		require.Equal(t, http.StatusForbidden, appsPost(t, lv, e.ta.url(appsLviv, "/work/applications/"+uuid.NewString()+"/take"), url.Values{}).status)
	}
	r = get(t, lv, e.ta.url(appsLviv, "/work/applications/"+uuid.NewString()))
	require.Contains(t, appsText(r), "Службові права тимчасово заблоковано", "Lviv locks at its default, the 5th")
}
