package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOperatorConsole(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	c := ta.client(t)
	console := func(p string) string { return ta.url(testBase, p) }

	// Locked until signed in, and a wrong key says so.
	require.Equal(t, http.StatusSeeOther, get(t, c, console("/")).status)
	r := do(t, c, http.MethodPost, console("/signin"), url.Values{"key": {"wrong"}}, nil)
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, r.body, "Невірний ключ оператора")
	r = do(t, c, http.MethodPost, console("/signin"), url.Values{"key": {testKey}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	r = get(t, c, console("/"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "Громад на платформі: 0")

	// A bad slug is refused with its reason, and nothing typed is lost.
	form := url.Values{"slug": {"Одеса!"}, "name": {"Одеська міська рада"}, "display_name": {"Одеса"},
		"primary_color": {"#005bbb"}, "accent_color": {"#ffd500"}, "domains": {"e.odesa.ua"},
		"administrator": {"3221501449"}}
	r = do(t, c, http.MethodPost, console("/tenants"), form, nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "Коротка назва «одеса!» не підходить")
	require.Contains(t, r.body, `value="Одеська міська рада"`)
	require.Contains(t, r.body, `value="e.odesa.ua"`)
	require.Contains(t, r.body, `aria-invalid="true"`)

	// A good one creates the tenant, served at once.
	form.Set("slug", "odesa")
	r = do(t, c, http.MethodPost, console("/tenants"), form, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	r = get(t, c, console(r.header.Get("Location")))
	require.Contains(t, r.body, "Громаду «Одеська міська рада» створено")
	require.Contains(t, r.body, "odesa."+testBase)
	require.Equal(t, http.StatusOK, get(t, c, ta.url("odesa."+testBase, "/")).status)
	require.Equal(t, http.StatusOK, get(t, c, ta.url("e.odesa.ua", "/")).status)

	// The same slug again is a conflict.
	r = do(t, c, http.MethodPost, console("/tenants"), form, nil)
	require.Equal(t, http.StatusConflict, r.status)
	require.Contains(t, r.body, "уже зайнята")

	// Suspending takes the portal down at once (the cached host entry is
	// dropped on the change notice), resuming brings it back.
	r = do(t, c, http.MethodPost, console("/tenants/odesa/suspend"), url.Values{}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	eventually(t, func() bool { return get(t, c, ta.url("odesa."+testBase, "/")).status == http.StatusServiceUnavailable },
		"the suspended tenant is still served")
	r = do(t, c, http.MethodPost, console("/tenants/odesa/resume"), url.Values{}, nil)
	require.Equal(t, http.StatusSeeOther, r.status)
	eventually(t, func() bool { return get(t, c, ta.url("odesa."+testBase, "/")).status == http.StatusOK },
		"the resumed tenant is not served")

	// Signing out ends the session.
	require.Equal(t, http.StatusSeeOther, do(t, c, http.MethodPost, console("/signout"), url.Values{}, nil).status)
	require.Equal(t, http.StatusSeeOther, get(t, c, console("/")).status)
	r = do(t, c, http.MethodPost, console("/tenants/odesa/suspend"), url.Values{}, nil)
	require.Equal(t, "/signin", r.header.Get("Location"))
	require.Equal(t, http.StatusOK, get(t, c, ta.url("odesa."+testBase, "/")).status)
}

// In dev the operator persona signs in to the console through the
// development IdP; anybody else it identifies is refused.
func TestOperatorSignsInThroughTheIdP(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	c := ta.client(t)
	r := get(t, c, ta.url(testBase, "/signin"))
	require.Contains(t, r.body, `href="/signin/oidc"`)
	r, at := signInFrom(t, ta, c, ta.url(testBase, "/signin/oidc"), "operator")
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, ta.url(testBase, "/"), at)
	require.Contains(t, r.body, "Консоль оператора")

	other := ta.client(t)
	r, _ = signInFrom(t, ta, other, ta.url(testBase, "/signin/oidc"), "administrator")
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, r.body, "не є оператором платформи")
	require.Equal(t, http.StatusSeeOther, get(t, other, ta.url(testBase, "/")).status)

	// A forged callback is refused.
	r = get(t, ta.client(t), ta.url(testBase, "/signin/callback?code=x&state=y"))
	require.Equal(t, http.StatusBadRequest, r.status)
}
