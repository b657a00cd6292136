package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/web/browsertest"
)

// TestMyDocumentsInBrowser (issue 25): the resident keeps a passport scan
// and a certificate in «Мої документи»; the official working on the
// resident's application finds nothing shared and is refused a document
// (recorded); the resident consents for the official's provider to the
// passport only; the official opens it (recorded) and is still refused the
// certificate; the resident sees every opening and attempt and revokes,
// after which the passport is refused too. An official of another provider
// cannot reach the application's shared documents at all. 390 px for the
// resident, 1280 for the official, axe on every page.
func TestMyDocumentsInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	resident := e.as(e.host, "resident")
	app := e.applyResidence(resident, appsPersona(t, "resident"))
	dir := t.TempDir()
	scan := filepath.Join(dir, "pasport.pdf")
	require.NoError(t, os.WriteFile(scan, appsPDF, 0o600))
	cert := filepath.Join(dir, "dovidka.pdf")
	require.NoError(t, os.WriteFile(cert, append(append([]byte{}, appsPDF...), "% dovidka\n"...), 0o600))

	phone := &browsertest.Viewport{Width: 390, Height: 844}
	signIn := func(persona, ret string) []browsertest.Step {
		return []browsertest.Step{{Op: "goto", URL: e.u("/auth/login?return=" + ret)}, {Op: "click", Selector: "button[value=" + persona + "]"}}
	}
	st := func(op, sel, val string) browsertest.Step { return browsertest.Step{Op: op, Selector: sel, Value: val} }
	shot := func(n string) browsertest.Step { return browsertest.Step{Op: "screenshot", Name: n, FullPage: true} }
	axe := browsertest.Step{Op: "axe"}

	upload := browsertest.Scenario{Name: "ResidentUploads", Viewport: phone, Steps: append(signIn("resident", "/cabinet"),
		st("click", "a[href='/cabinet/documents']", ""),
		st("fill", "#f-title", "Паспорт, сторінки 1–2"),
		st("click", ".upload-form button[type=submit]", ""), // no file
		st("text", ".error-summary", ""),
		st("attr", "#f-title", ""),
		st("select", "#f-kind", "passport"),
		st("upload", "#f-file", scan),
		st("click", ".upload-form button[type=submit]", ""),
		st("select", "#f-kind", "certificate"),
		st("fill", "#f-title", "Довідка про склад сім’ї"),
		st("upload", "#f-file", cert),
		st("click", ".upload-form button[type=submit]", ""),
		st("text", "main", ""),
		shot("hromada-mydocs-phone"), axe,
	)}
	upload.Steps[6].Name = "value"
	results := browsertest.Run(t, []browsertest.Scenario{upload})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	u := results[0].Steps
	require.Contains(t, u[5].Text, "Файл: оберіть файл документа.")
	require.Equal(t, "Паспорт, сторінки 1–2", u[6].Text, "what was typed is kept")
	require.Contains(t, u[14].Text, "Паспорт, сторінки 1–2")
	require.Contains(t, u[14].Text, "Довідка про склад сім’ї")

	var passport, certificate, dcnap string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id::text FROM my_documents WHERE kind = 'passport'`).Scan(&passport); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id::text FROM my_documents WHERE kind = 'certificate'`).Scan(&certificate); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id::text FROM providers WHERE code = 'dcnap'`).Scan(&dcnap)
	})
	// A new draft takes the passport from the cabinet instead of a new
	// upload.
	draft := e.start(resident, "KY-0001")
	attach := browsertest.Scenario{Name: "ResidentAttaches", Viewport: phone, Steps: append(signIn("resident", "/cabinet/applications/"+draft+"/files"),
		st("click", "a[href='/cabinet/applications/"+draft+"/files/mine']", ""),
		st("select", "#f-document", "2"),
		st("check", "input[name=mine][value='"+passport+"']", ""),
		shot("hromada-mydocs-attach-phone"), axe,
		st("click", ".attach-form button[type=submit]", ""),
		st("text", "#document-2", ""),
		axe,
	)}
	results = browsertest.Run(t, []browsertest.Scenario{attach})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	require.Contains(t, results[0].Steps[8].Text, "pasport.pdf")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1 AND document = 2 AND sha256 = (SELECT sha256 FROM my_documents WHERE kind = 'passport')`, draft))

	official, stranger := e.as(e.host, "official-dcnap"), e.as(e.host, "official-transport")
	shared := "/work/applications/" + app + "/shared"
	r := get(t, official, e.u(shared))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "не надав згоди")
	require.Equal(t, http.StatusForbidden, get(t, official, e.u(shared+"/"+passport)).status, "no consent: refused")
	require.Equal(t, http.StatusForbidden, get(t, stranger, e.u(shared)).status, "another provider's official never reaches it")

	consent := browsertest.Scenario{Name: "ResidentConsents", Viewport: phone, Steps: append(signIn("resident", "/cabinet/documents"),
		st("select", "#f-provider", dcnap),
		st("check", "input[name=documents][value='"+passport+"']", ""),
		st("click", ".consent-form button[type=submit]", ""),
		st("text", "main", ""),
		axe,
	)}
	officialPage := browsertest.Scenario{Name: "OfficialOpensShared", Steps: append(signIn("official-dcnap", "/work/applications/"+app),
		st("click", "a[href='"+shared+"']", ""),
		st("text", "main", ""),
		shot("hromada-mydocs-shared"), axe,
	)}
	results = browsertest.Run(t, []browsertest.Scenario{consent, officialPage})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	require.Contains(t, results[0].Steps[5].Text, "Згоду надано")
	require.Contains(t, results[1].Steps[3].Text, "Паспорт, сторінки 1–2")
	require.NotContains(t, results[1].Steps[3].Text, "Довідка про склад сім’ї", "the consent names the passport only")

	r = get(t, official, e.u(shared+"/"+passport))
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, string(appsPDF), r.body)
	require.Contains(t, r.header.Get("Content-Disposition"), "attachment")
	require.Equal(t, http.StatusForbidden, get(t, official, e.u(shared+"/"+certificate)).status)

	views := browsertest.Scenario{Name: "ResidentSeesViewsAndRevokes", Viewport: phone, Steps: append(signIn("resident", "/cabinet/documents"),
		st("text", "section[aria-labelledby=views-title]", ""),
		shot("hromada-mydocs-views-phone"), axe,
		st("click", ".consents button[type=submit]", ""),
		st("text", "main", ""),
		axe,
	)}
	results = browsertest.Run(t, []browsertest.Scenario{views})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	v := results[0].Steps[2].Text
	require.Contains(t, v, "Відкрито за вашою згодою")
	require.Contains(t, v, "Спроба без вашої згоди — відмовлено")
	require.Contains(t, v, "Ви додали його до своєї заяви")
	require.Contains(t, results[0].Steps[6].Text, "Згоду відкликано")
	require.Contains(t, results[0].Steps[6].Text, "Відкликано")
	require.Equal(t, http.StatusForbidden, get(t, official, e.u(shared+"/"+passport)).status, "revoked: refused at once")

	require.Equal(t, 1, e.count(`SELECT count(*) FROM document_views WHERE ground = 'consent'`))
	require.Equal(t, 3, e.count(`SELECT count(*) FROM document_views WHERE ground = 'refused'`))
}
