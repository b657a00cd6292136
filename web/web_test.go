package web

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPagesAndLocalesLoad(t *testing.T) {
	t.Parallel()
	rd, err := New(Options{})
	require.NoError(t, err)
	for _, name := range []string{"home", "error", "operator/signin", "operator/tenants"} {
		require.Contains(t, rd.pages, name)
	}
	for _, lang := range Languages {
		l, err := NewLocalizer(lang)
		require.NoError(t, err)
		require.NotEqual(t, "site.skip", l.T("site.skip"))
	}
	uk, _ := NewLocalizer("uk")
	require.Equal(t, "Коротка назва «x» уже зайнята іншою громадою.", uk.Message("error.slug_taken", map[string]any{"Slug": "x"}))
	require.Equal(t, "no.such.key", uk.T("no.such.key"))
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/":                    "/",
		"/services?q=довідка":  "/services?q=%D0%B4%D0%BE%D0%B2%D1%96%D0%B4%D0%BA%D0%B0",
		"/x?lang=en&a=1":       "/x?a=1",
		"":                     "/",
		"//evil.example":       "/",
		"https://evil.example": "/",
		"/\\evil.example":      "/",
		"javascript:alert(1)":  "/",
		"relative":             "/",
	} {
		require.Equalf(t, want, LocalPath(in), "%q", in)
	}
}

func TestPrefsFrom(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/?lang=en", nil)
	require.Equal(t, Prefs{Lang: "en"}, PrefsFrom(r))
	r = httptest.NewRequest("GET", "/?lang=de", nil)
	r.Header.Set("Cookie", "lang=en; contrast=high; text=large")
	p := PrefsFrom(r)
	require.Equal(t, Prefs{Lang: "en", HighContrast: true, LargeText: true}, p)
	require.Equal(t, "hc lg", p.Classes())
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "lang=xx")
	require.Equal(t, "uk", PrefsFrom(r).Lang)
}
