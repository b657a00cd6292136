package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
)

// A provider's own staff propose changes to its information but none of
// them publishes it, its head included (seed 003 §7.3, §7.5): only the
// administrator does; another provider's official reaches nothing, and
// centres and life situations are the administrator's alone.
func TestProviderChangesByItsStaff(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	host := "kyiv." + testBase
	ids := map[string]uuid.UUID{}
	require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), ts[0]), func(ctx context.Context, tx pgx.Tx) error {
		for _, code := range []string{"dcnap", "transport"} {
			var id uuid.UUID
			if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = $1`, code).Scan(&id); err != nil {
				return err
			}
			ids[code] = id
		}
		return nil
	}))
	official, other, head, admin, public := ta.client(t), ta.client(t), ta.client(t), ta.client(t), ta.client(t)
	signIn(t, ta, official, host, "official-dcnap")
	signIn(t, ta, other, host, "official-transport")
	signIn(t, ta, head, host, "provider_head")
	signIn(t, ta, admin, host, "administrator")
	dcnap := ta.url(host, "/admin/register/providers/"+ids["dcnap"].String())

	r := get(t, official, dcnap)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `name="resp_name"`)
	require.Equal(t, http.StatusForbidden, get(t, other, dcnap).status, "another provider's official")
	require.Equal(t, http.StatusForbidden, get(t, official, ta.url(host, "/admin/register/centres/new")).status)
	require.Equal(t, http.StatusForbidden, get(t, head, ta.url(host, "/admin/register/life-situations/new")).status)

	form := url.Values{"basis_date": {"2026-11-20"}, "kind": {"департамент"}, "name_uk": {"Департамент (Центр) надання адміністративних послуг"},
		"edrpou": {"37470510"}, "address_uk": {"вул. Дніпровська набережна, 19б"}, "phone": {"+380442020000"}, "email": {"cnap@kyiv.example"},
		"resp_name": {"Мельник Тарас Олегович"}, "resp_unit": {""}, "resp_phone": {"+380671000004"}, "resp_email": {"taras.melnyk@example.com"}}
	r = do(t, other, http.MethodPost, dcnap, form, nil)
	require.Equal(t, http.StatusForbidden, r.status)
	r = do(t, official, http.MethodPost, dcnap, form, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	r = get(t, official, ta.url(host, r.header.Get("Location")))
	require.Equal(t, http.StatusOK, r.status, "the official is sent where it may look")
	require.Contains(t, r.body, "Зміни надіслано на погодження")
	require.Contains(t, r.body, "Очікує погодження", "its change, in the provider's history")
	require.NotContains(t, get(t, public, ta.url(host, "/providers/dcnap")).body, "380442020000", "not public before publication")

	r = get(t, admin, ta.url(host, "/admin/register"))
	require.Equal(t, http.StatusOK, r.status)
	m := regexp.MustCompile(`action="/admin/register/changes/([0-9a-f-]+)/publish"`).FindStringSubmatch(r.body)
	require.NotNil(t, m)
	publish := ta.url(host, "/admin/register/changes/"+m[1]+"/publish")
	require.Equal(t, http.StatusForbidden, do(t, head, http.MethodPost, publish, url.Values{}, nil).status, "the provider head publishes")
	require.Equal(t, http.StatusForbidden, do(t, official, http.MethodPost, publish, url.Values{}, nil).status)
	require.Equal(t, http.StatusSeeOther, do(t, admin, http.MethodPost, publish, url.Values{}, nil).status)
	require.Equal(t, http.StatusConflict, do(t, admin, http.MethodPost, publish, url.Values{}, nil).status, "published twice")
	require.Contains(t, get(t, public, ta.url(host, "/providers/dcnap")).body, "tel:&#43;380442020000")
}
