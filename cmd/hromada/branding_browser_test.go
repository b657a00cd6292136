package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestBrandingInBrowser (issue 12): the dispatcher edits the city's name,
// colours and contacts and uploads its emblem, without the operator. Bad
// values are named and kept; the next page already shows the new name (the
// save forgets the city's cached branding as it commits); a colour too
// light for text is shown darkened with its contrast; a file that is not an
// image is refused, naming the field. The owner reads the page without its
// forms; an official is refused it. Chromium at 390 px, axe on every page.
func TestBrandingInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	var kyiv *tenant.Tenant
	for _, tn := range ts {
		if tn.Slug == "kyiv" {
			kyiv = tn
		}
	}
	require.NotNil(t, kyiv)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	signIn := func(persona, ret string) []browsertest.Step {
		return []browsertest.Step{
			{Op: "goto", URL: u("/auth/login?return=" + url.QueryEscape(ret))},
			{Op: "click", Selector: "button[value=" + persona + "]"},
		}
	}
	step := func(op, sel, val string) browsertest.Step { return browsertest.Step{Op: op, Selector: sel, Value: val} }
	shot := func(name string) browsertest.Step {
		return browsertest.Step{Op: "screenshot", Name: name, FullPage: true}
	}
	axe := browsertest.Step{Op: "axe"}

	dir := t.TempDir()
	var logo bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 80, 96))
	for x := range 80 {
		for y := range 96 {
			img.Set(x, y, color.RGBA{R: 0x1d, G: 0x4f, B: 0x91, A: 0xff})
		}
	}
	require.NoError(t, png.Encode(&logo, img))
	logoPath, notImage := filepath.Join(dir, "gerb.png"), filepath.Join(dir, "gerb.txt")
	require.NoError(t, os.WriteFile(logoPath, logo.Bytes(), 0o600))
	require.NoError(t, os.WriteFile(notImage, []byte("це не зображення"), 0o600))

	save := "form[action='/admin/branding'] button[type=submit]"
	dispatcher := browsertest.Scenario{Name: "DispatcherEdits", Viewport: phone, Steps: append(signIn("dispatcher", "/admin/branding"),
		step("text", "main", ""), // 2
		shot("hromada-branding-phone"), axe,
		browsertest.Step{Op: "overflow"},                                  // 5
		step("fill", "#f-email", "не адреса"),                             // 6
		step("fill", "#f-website", "http://kyivcity.gov.ua"),              // 7
		step("click", save, ""),                                           // 8
		step("text", ".error-summary", ""),                                // 9
		browsertest.Step{Op: "attr", Selector: "#f-email", Name: "value"}, // 10
		shot("hromada-branding-errors-phone"), axe,
		step("fill", "#f-email", "kontakt@kyivcity.gov.ua"),             // 13
		step("fill", "#f-website", "https://kyivcity.gov.ua"),           // 14
		step("fill", "#f-name_uk", "Київ — столиця"),                    // 15
		step("fill", "#f-primary", "#ffd500"),                           // 16
		step("click", save, ""),                                         // 17
		step("text", ".flash", ""),                                      // 18
		step("text", ".brand-name", ""),                                 // 19
		step("text", "#contrast-title + p + .table-wrap", ""),           // 20
		step("upload", "#f-file-logo", logoPath),                        // 21
		step("click", "form:has(#f-file-logo) button[type=submit]", ""), // 22
		step("text", ".flash", ""),                                      // 23
		browsertest.Step{Op: "attr", Selector: "img.coat", Name: "src"}, // 24
		shot("hromada-branding-logo-phone"), axe,
		step("upload", "#f-file-favicon", notImage),                        // 27
		step("click", "form:has(#f-file-favicon) button[type=submit]", ""), // 28
		step("text", ".error-summary", ""),                                 // 29
		axe,
	)}
	owner := browsertest.Scenario{Name: "OwnerReads", Steps: append(signIn("owner", "/admin/branding"),
		step("text", "main", ""), axe)}
	official := browsertest.Scenario{Name: "OfficialRefused", Steps: append(signIn("official-dcnap", "/admin"),
		browsertest.Step{Op: "goto", URL: u("/admin/branding")})}

	results := browsertest.Run(t, []browsertest.Scenario{dispatcher, owner, official})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)

	d := results[0].Steps
	require.Contains(t, d[2].Text, "Вигляд і контакти порталу")
	require.Contains(t, d[2].Text, "Контраст")
	require.Equal(t, "0", d[5].Text, "no sideways scrolling at 390 px")
	require.Contains(t, d[9].Text, "Електронна пошта: вкажіть адресу електронної пошти")
	require.Contains(t, d[9].Text, "Вебсайт: вкажіть повну адресу, що починається з https://")
	require.Equal(t, "не адреса", d[10].Text, "what was typed is kept")
	require.Contains(t, d[18].Text, "Збережено.")
	require.Equal(t, "Київ — столиця", d[19].Text, "the very next page shows the new name")
	require.Contains(t, d[20].Text, "#ffd500")
	require.Contains(t, d[20].Text, "затемнено для читабельності", "yellow cannot carry white or black text on links: darkened")
	require.Contains(t, d[23].Text, "Герб завантажено.")
	require.Regexp(t, `^/branding/logo\?v=[0-9a-f]{12}$`, d[24].Text)
	require.Contains(t, d[29].Text, "Значок вкладки: файл не є зображенням потрібного типу")

	o := results[1].Steps
	require.Contains(t, o[2].Text, "Київ — столиця")
	require.NotContains(t, o[2].Text, "Зберегти", "the owner reads; the dispatcher edits")
	require.NotContains(t, o[2].Text, "Завантажити")
	require.Equal(t, http.StatusForbidden, results[2].Steps[2].Status)

	// The emblem is served from the portal's own origin, as uploaded.
	resp, err := ta.client(t).Get(u(d[24].Text))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, logo.Bytes(), got)

	// One audit record per change, none for the refused ones.
	var updates, images int
	require.NoError(t, ta.db.App.ReadTx(tenant.With(t.Context(), kyiv), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'tenant.branding.update'), count(*) FILTER (WHERE action = 'tenant.branding.image')
			FROM audit_events`).Scan(&updates, &images)
	}))
	require.Equal(t, 1, updates)
	require.Equal(t, 1, images)
}
