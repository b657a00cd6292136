package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/operator"
)

// The operator appoints an administrator of a city that exists, in the
// console and from the command line, through the city's own appointment
// job: a bad РНОКПП is refused in Ukrainian with what was typed kept, the
// person becomes the city's administrator, and no platform table keeps
// the number.
func TestOperatorAppointsAdministrator(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	console := func(p string) string { return ta.url(testBase, p) }
	first, second, third := personaRNOKPP(t, "resident"), personaRNOKPP(t, "legal_rep"), personaRNOKPP(t, "owner")

	c := ta.client(t)
	signInFrom(t, ta, c, console("/signin/oidc"), "operator")
	r := do(t, c, http.MethodPost, console("/tenants"), url.Values{"slug": {"lutsk"}, "name": {"Луцька міська рада"},
		"display_name": {"Луцьк"}, "primary_color": {"#1d4f91"}, "accent_color": {"#ffd500"}, "administrator": {first}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	lutsk, err := ta.operator.Get(t.Context(), "lutsk")
	require.NoError(t, err)
	appointed := func() bool {
		st, err := ta.operator.Administrators(t.Context())
		require.NoError(t, err)
		return st[lutsk.ID] == operator.AdminAppointed
	}
	eventually(t, appointed, "the first administrator was not appointed")

	r = do(t, c, http.MethodPost, console("/tenants/lutsk/administrator"), url.Values{"rnokpp": {"12345 67890"}}, nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.body, "РНОКПП адміністратора громади некоректний")
	require.Regexp(t, `id="appoint-lutsk"[^>]*value="1234567890"[^>]*aria-invalid="true"`, r.body)
	require.Equal(t, http.StatusNotFound, do(t, c, http.MethodPost, console("/tenants/nope/administrator"), url.Values{"rnokpp": {second}}, nil).status)

	r = do(t, c, http.MethodPost, console("/tenants/lutsk/administrator"), url.Values{"rnokpp": {second[:5] + " " + second[5:]}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	r = get(t, c, console(r.header.Get("Location")))
	require.Contains(t, r.body, "Адміністратора громади «Луцька міська рада» призначають у самій громаді")
	require.NotContains(t, r.body, second)
	p := ta.client(t)
	signIn(t, ta, p, "lutsk."+testBase, "legal_rep")
	eventually(t, func() bool { return get(t, p, ta.url("lutsk."+testBase, "/admin/officials")).status == http.StatusOK },
		"the appointed administrator cannot open the officials' console")
	requireAppointed(t, ta, "lutsk", second)

	env := map[string]string{
		"HROMADA_DATABASE_URL":          ta.db.AppDSN,
		"HROMADA_OPERATOR_DATABASE_URL": ta.db.OperatorDSN,
		"HROMADA_OWNER_DATABASE_URL":    ta.db.OwnerDSN,
		"HROMADA_DATA_DIR":              t.TempDir(),
		"HROMADA_BASE_DOMAIN":           testBase,
		"HROMADA_LOG_LEVEL":             "warn",
		"HROMADA_LANG":                  "uk",
	}
	code, _, errOut := runCLI(t, env, "tenant", "appoint", "--admin", "1234567890", "lutsk")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "РНОКПП адміністратора громади некоректний")
	code, out, errOut := runCLI(t, env, "tenant", "appoint", "--admin", third, "lutsk")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "Луцька міська рада")
	require.NotContains(t, out, third)
	o := ta.client(t)
	signIn(t, ta, o, "lutsk."+testBase, "owner")
	eventually(t, func() bool { return get(t, o, ta.url("lutsk."+testBase, "/admin/officials")).status == http.StatusOK },
		"the administrator appointed from the command line cannot open the officials' console")
	requireAppointed(t, ta, "lutsk", third)
	for _, rnokpp := range []string{first, second, third} {
		requireNoRNOKPPOnThePlatform(t, ta, rnokpp)
	}
}
