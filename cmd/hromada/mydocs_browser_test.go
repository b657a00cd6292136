package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

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
//
// Also (issue 25's rest): a short video is kept and shown in a <video>
// that does not play by itself; a result the city issued (automatic mode)
// is among the documents, kept, and attachable to another application;
// the official's opening of the copy the resident attached is shown to the
// resident; the provider's head opens a document without consent only
// naming a ground in law and the circumstances (a plain official cannot),
// and the resident sees who, when and on what ground.
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
	video := filepath.Join(dir, "video.webm")
	require.NoError(t, os.WriteFile(video, []byte("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\x42\xF3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02\x18\x53\x80\x67\x01\x00\x00\x00\x00\x00\x00\x00"), 0o600))

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
		st("select", "#f-kind", "video"), // 17
		st("fill", "#f-title", "Відео пошкодженого тротуару"),
		st("upload", "#f-file", video),
		st("click", ".upload-form button[type=submit]", ""),
		st("attr", "video.my-video", ""), // 21
		shot("hromada-mydocs-video-phone"), axe,
		browsertest.Step{Op: "overflow"}, // 24
	)}
	upload.Steps[6].Name = "value"
	upload.Steps[21].Name = "preload"
	results := browsertest.Run(t, []browsertest.Scenario{upload})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	u := results[0].Steps
	require.Contains(t, u[5].Text, "Файл: оберіть файл документа.")
	require.Equal(t, "Паспорт, сторінки 1–2", u[6].Text, "what was typed is kept")
	require.Contains(t, u[14].Text, "Паспорт, сторінки 1–2")
	require.Contains(t, u[14].Text, "Довідка про склад сім’ї")
	require.Equal(t, "metadata", u[21].Text, "a video loads its first frame only")
	require.Equal(t, "0", u[24].Text, "no sideways scrolling at 390 px")
	page := get(t, resident, e.u("/cabinet/documents"))
	require.Contains(t, page.body, `<video class="my-video" controls preload="metadata"`)
	require.NotContains(t, page.body, "autoplay")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM my_documents WHERE kind = 'video' AND content_type = 'video/webm'`))
	// A result issued by the city, in automatic mode, while the browser
	// works on.
	auto := e.applyAutomatic(resident, "UA80000000000093317")

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

	// The draft is sent; the official opens the copy of the passport in
	// it, which the resident will see.
	e.fillResidence(resident, draft, appsPersona(t, "resident"))
	r := e.signOnline(resident, draft, e.reviewKey(resident, draft))
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	var copyFile string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM application_files WHERE application_id = $1 AND document = 2`, draft).Scan(&copyFile)
	})
	official, stranger := e.as(e.host, "official-dcnap"), e.as(e.host, "official-transport")
	r = get(t, official, e.u("/work/applications/"+draft+"/files/"+copyFile))
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, string(appsPDF), r.body)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM document_views WHERE ground = 'copy' AND document_id = $1`, passport))

	shared := "/work/applications/" + app + "/shared"
	r = get(t, official, e.u(shared))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "не надав згоди")
	require.NotContains(t, r.body, "law-title", "a plain official is offered no opening by law")
	lawOf := func(doc string) string { return shared + "/" + doc + "/law" }
	require.Equal(t, http.StatusForbidden, appsPost(t, official, e.u(lawOf(certificate)), url.Values{"legal_ground": {"cpc_163"}, "legal_note": {"x"}}).status,
		"nor may they open by law")
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
	inForm := "form[action='" + lawOf(certificate) + "'] "
	headByLaw := browsertest.Scenario{Name: "HeadOpensByLaw", Steps: append(signIn("provider_head", shared),
		st("click", "details:has("+inForm+") summary", ""),
		st("click", inForm+"button[type=submit]", ""), // 3: no ground, no circumstances
		st("text", inForm, ""),
		st("check", inForm+"input[value=cpc_163]", ""),
		st("fill", inForm+"textarea", "Ухвала слідчого судді № 757/1234/26 від 01.12.2026"),
		shot("hromada-mydocs-law"), axe,
		st("download", inForm+"button[type=submit]", ""), // 9
	)}
	results = browsertest.Run(t, []browsertest.Scenario{consent, officialPage, headByLaw})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	law := results[2].Steps
	require.Equal(t, http.StatusBadRequest, law[3].Status)
	require.Contains(t, law[4].Text, "Правова підстава: оберіть правову підставу зі списку.")
	require.Contains(t, law[4].Text, "Обставини: опишіть обставини, до 1000 знаків.")
	require.Equal(t, string(appsPDF)+"% dovidka\n", law[9].Text, "the certificate, opened by law")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM document_views WHERE ground = 'law' AND legal_ground = 'cpc_163' AND document_id = $1`, certificate))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'mydocs.open_by_law'`))
	require.Contains(t, results[0].Steps[5].Text, "Згоду надано")
	require.Contains(t, results[1].Steps[3].Text, "Паспорт, сторінки 1–2")
	require.NotContains(t, results[1].Steps[3].Text, "Довідка про склад сім’ї", "the consent names the passport only")

	r = get(t, official, e.u(shared+"/"+passport))
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, string(appsPDF), r.body)
	require.Contains(t, r.header.Get("Content-Disposition"), "attachment")
	require.Equal(t, http.StatusForbidden, get(t, official, e.u(shared+"/"+certificate)).status)

	// The result, issued meanwhile, is the resident's document too: kept,
	// and attachable to another application like any other.
	e.waitStatus(resident, auto, 3*time.Minute, "issued")
	var result string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM issued_documents WHERE application_id = $1`, auto).Scan(&result)
	})
	page = get(t, resident, e.u("/cabinet/documents"))
	require.Contains(t, page.body, "/cabinet/documents/"+result+"/file")
	require.NotContains(t, page.body, "/cabinet/documents/"+result+"/delete", "an issued result cannot be deleted")
	r = appsPost(t, resident, e.u("/cabinet/documents/"+result+"/delete"), nil)
	require.Equal(t, http.StatusConflict, r.status)
	require.Contains(t, appsText(r), "зберігається разом зі справою")
	another := e.start(resident, "KY-0001")
	r = appsPost(t, resident, e.u("/cabinet/applications/"+another+"/files/mine"), url.Values{"document": {"0"}, "mine": {result}})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM application_files f JOIN issued_documents i ON i.sha256 = f.sha256
		WHERE f.application_id = $1 AND i.id = $2`, another, result))

	views := browsertest.Scenario{Name: "ResidentSeesViewsAndRevokes", Viewport: phone, Steps: append(signIn("resident", "/cabinet/documents"),
		st("text", "section[aria-labelledby=views-title]", ""),
		shot("hromada-mydocs-views-phone"), axe,
		st("click", ".consents button[type=submit]", ""),
		st("text", "main", ""),
		axe,
		st("text", ".my-documents", ""), // 8
	)}
	results = browsertest.Run(t, []browsertest.Scenario{views})
	browsertest.RequireOK(t, results)
	browsertest.RequireNoViolations(t, results)
	v := results[0].Steps[2].Text
	require.Contains(t, v, "Відкрито за вашою згодою")
	require.Contains(t, v, "Спроба без вашої згоди — відмовлено")
	require.Contains(t, v, "Ви додали його до своєї заяви")
	require.Contains(t, v, "Посадова особа відкрила копію, яку ви додали до заяви")
	require.Contains(t, v, "Відкрито без вашої згоди — на підставі закону")
	require.Contains(t, v, "Кримінальний процесуальний кодекс України, ст. 163–164")
	require.Contains(t, v, "Обставини: Ухвала слідчого судді № 757/1234/26 від 01.12.2026")
	require.Contains(t, v, appsPersona(t, "provider_head").FamilyName)
	require.Contains(t, results[0].Steps[8].Text, "Результат послуги")
	require.Contains(t, results[0].Steps[8].Text, "Видано містом за вашою заявою")
	require.Contains(t, results[0].Steps[6].Text, "Згоду відкликано")
	require.Contains(t, results[0].Steps[6].Text, "Відкликано")
	require.Equal(t, http.StatusForbidden, get(t, official, e.u(shared+"/"+passport)).status, "revoked: refused at once")

	require.Equal(t, 1, e.count(`SELECT count(*) FROM document_views WHERE ground = 'consent'`))
	require.Equal(t, 3, e.count(`SELECT count(*) FROM document_views WHERE ground = 'refused'`))
}
