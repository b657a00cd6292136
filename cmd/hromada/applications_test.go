package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/devidp"
	"hromada/modules/documents/doctest"
	"hromada/modules/signature"
	"hromada/tenant"
)

// The applications over real HTTP against the whole app: a resident's
// form steps, attachments, signing (online and with an uploaded .p7s),
// the officials' workspace, who may reach what, the audit of staff views
// and the automatic-mode hand-over.

const (
	appsKyiv = "kyiv." + testBase
	appsLviv = "lviv." + testBase
)

var (
	appsDraftRE  = regexp.MustCompile(`^/cabinet/applications/([0-9a-f-]{36})/steps/(\d+)$`)
	appsKeyRE    = regexp.MustCompile(`name="key" value="([0-9a-f]+)"`)
	appsNumberRE = regexp.MustCompile(`href="/cabinet/applications/([0-9a-f-]{36})">(\d{4}-\d{6})</a>`)
	appsGroundRE = regexp.MustCompile(`(?s)<select id="f-grounds"[^>]*>(.*?)</select>`)
	appsOptionRE = regexp.MustCompile(`<option value="([^"]+)">`)
	// A document of an application as the pages link it.
	appsFileRE = regexp.MustCompile(`<a href="(/(?:cabinet|work)/applications/[0-9a-f-]{36}/files/([0-9a-f-]{36}))" download>([^<]+)</a>`)
)

// appsPDF is a small valid PDF.
var appsPDF = []byte("%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n" +
	"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")

// appsHTML is a web page, to be sent as if it were a PDF.
var appsHTML = []byte("<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(document.cookie)</script></body></html>\n")

// appsEnv is a whole Hromada with the demo cities loaded.
type appsEnv struct {
	t          *testing.T
	ta         *testApp
	kyiv, lviv *tenant.Tenant
	host       string // Kyiv's portal: appsKyiv (also when empty), or kyiv.localhost for a browser
}

func newAppsEnv(t *testing.T) *appsEnv {
	t.Helper()
	return newAppsEnvWith(t, testAppOpts{})
}

// newAppsEnvWith is newAppsEnv with the app started with o.
func newAppsEnvWith(t *testing.T, o testAppOpts) *appsEnv {
	t.Helper()
	ta := startApp(t, o)
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	e := &appsEnv{t: t, ta: ta, host: appsKyiv}
	if o.baseDomain != "" {
		e.host = "kyiv." + o.baseDomain
	}
	for _, tn := range ts {
		switch tn.Slug {
		case "kyiv":
			e.kyiv = tn
		case "lviv":
			e.lviv = tn
		}
	}
	require.NotNil(t, e.kyiv)
	require.NotNil(t, e.lviv)
	return e
}

// u is a path on Kyiv's portal.
func (e *appsEnv) u(path string) string {
	if e.host == "" {
		return e.ta.url(appsKyiv, path)
	}
	return e.ta.url(e.host, path)
}

// as is a client signed in on host as the development IdP's persona.
func (e *appsEnv) as(host, persona string) *http.Client {
	e.t.Helper()
	c := e.ta.client(e.t)
	r, _ := signIn(e.t, e.ta, c, host, persona)
	require.Equal(e.t, http.StatusOK, r.status, "signing in as %s: %s", persona, r.body)
	return c
}

func appsPersona(t *testing.T, id string) devidp.Persona {
	t.Helper()
	for _, p := range devidp.Personas {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no persona %s", id)
	return devidp.Persona{}
}

// tx runs fn in a transaction of Kyiv's.
func (e *appsEnv) tx(fn func(ctx context.Context, tx pgx.Tx) error) {
	e.t.Helper()
	require.NoError(e.t, e.ta.db.App.Tx(tenant.With(e.t.Context(), e.kyiv), fn))
}

// devCA is Kyiv's development CA, obtained as the app obtains it.
func (e *appsEnv) devCA() *signature.DevCA {
	e.t.Helper()
	var ca *signature.DevCA
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		var err error
		ca, err = applications.EnsureDevCA(ctx, tx, e.ta.apps.Sealer)
		return err
	})
	return ca
}

func (e *appsEnv) providerID(code string) string {
	e.t.Helper()
	var id uuid.UUID
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = $1`, code).Scan(&id)
	})
	return id.String()
}

// row is an application as the database holds it.
type appsRow struct {
	Status, Number, Phone, LastName string
	Step                            int
}

func (e *appsEnv) row(id string) appsRow {
	e.t.Helper()
	var r appsRow
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT status, coalesce(number, ''), coalesce(data->>'phone', ''), coalesce(data->>'last_name', ''), step
			FROM applications WHERE id = $1`, id).Scan(&r.Status, &r.Number, &r.Phone, &r.LastName, &r.Step)
	})
	return r
}

func (e *appsEnv) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	e.tx(func(ctx context.Context, tx pgx.Tx) error { return tx.QueryRow(ctx, sql, args...).Scan(&n) })
	return n
}

// post sends a same-origin form, as the portal's own pages do.
func appsPost(t *testing.T, c *http.Client, u string, form url.Values) response {
	t.Helper()
	return do(t, c, http.MethodPost, u, form, map[string]string{"Sec-Fetch-Site": "same-origin"})
}

// appsFile is a file of a multipart form.
type appsFile struct {
	field, name string
	body        []byte
}

// appsMultipart sends a same-origin multipart form.
func appsMultipart(t *testing.T, c *http.Client, u string, fields url.Values, files ...appsFile) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			require.NoError(t, mw.WriteField(k, v))
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		require.NoError(t, err)
		_, err = w.Write(f.body)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, u, &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(raw)}
}

// appsText is a page's body with the HTML escapes undone (html/template
// writes "+" as "&#43;").
func appsText(r response) string { return html.UnescapeString(r.body) }

// start opens (or resumes) the resident's draft of a service and returns
// its id.
func (e *appsEnv) start(c *http.Client, code string) string {
	e.t.Helper()
	r := do(e.t, c, http.MethodPost, e.u("/services/"+code+"/apply"), url.Values{}, nil)
	require.Equal(e.t, http.StatusSeeOther, r.status, r.body)
	m := appsDraftRE.FindStringSubmatch(r.header.Get("Location"))
	require.NotNil(e.t, m, "apply redirects to %q", r.header.Get("Location"))
	return m[1]
}

// appsApplicantStep is step 0 of the demo forms as the persona fills it.
func appsApplicantStep(p devidp.Persona) url.Values {
	return url.Values{"last_name": {p.FamilyName}, "first_name": {p.GivenName}, "middle_name": {p.MiddleName}, "rnokpp": {p.RNOKPP},
		"birth_date": {applications.BirthDate(p.RNOKPP)}, "phone": {p.Phone}, "email": {p.Email}}
}

func (e *appsEnv) step(c *http.Client, id string, n int, vals url.Values, action string) response {
	e.t.Helper()
	form := url.Values{"action": {action}}
	for k, v := range vals {
		form[k] = v
	}
	return appsPost(e.t, c, e.u("/cabinet/applications/"+id+"/steps/"+strconv.Itoa(n)), form)
}

// next posts a valid step and expects the next one.
func (e *appsEnv) next(c *http.Client, id string, n int, vals url.Values) {
	e.t.Helper()
	r := e.step(c, id, n, vals, "next")
	require.Equal(e.t, http.StatusSeeOther, r.status, "step %d: %s", n, appsText(r))
	require.Equal(e.t, "/cabinet/applications/"+id+"/steps/"+strconv.Itoa(n+1), r.header.Get("Location"))
}

// fillResidence fills every step of KY-0001 (registration of residence).
func (e *appsEnv) fillResidence(c *http.Client, id string, p devidp.Persona) {
	e.t.Helper()
	e.next(c, id, 0, appsApplicantStep(p))
	e.next(c, id, 1, url.Values{"katottg": {"UA80000000000093317"}, "address": {"вул. Хрещатик, 10, кв. 5"}, "basis": {"owner"}, "moved_on": {"2024-05-01"}})
	e.next(c, id, 2, url.Values{"previous_address": {"м. Львів, вул. Зелена, 3"}, "deregister": {"1"}})
	// The one document KY-0001 requires online: the right to live there.
	r := appsMultipart(e.t, c, e.u("/cabinet/applications/"+id+"/files"), url.Values{"document": {"4"}}, appsFile{"file", "pravo.pdf", appsPDF})
	require.Equal(e.t, http.StatusSeeOther, r.status, appsText(r))
}

// reviewKey opens the review and returns the submission's key.
func (e *appsEnv) reviewKey(c *http.Client, id string) string {
	e.t.Helper()
	r := get(e.t, c, e.u("/cabinet/applications/"+id+"/review"))
	require.Equal(e.t, http.StatusOK, r.status, r.body)
	m := appsKeyRE.FindStringSubmatch(r.body)
	require.NotNil(e.t, m, "no key on the review page: %s", appsText(r))
	return m[1]
}

func (e *appsEnv) signOnline(c *http.Client, id, key string) response {
	e.t.Helper()
	return appsPost(e.t, c, e.u("/cabinet/applications/"+id+"/sign"), url.Values{"key": {key}, "method": {"online"}})
}

// applyResidence makes a submitted KY-0001 application of the persona,
// with a PDF attached, and returns its id.
func (e *appsEnv) applyResidence(c *http.Client, p devidp.Persona) string {
	e.t.Helper()
	id := e.start(c, "KY-0001")
	e.fillResidence(c, id, p)
	r := appsMultipart(e.t, c, e.u("/cabinet/applications/"+id+"/files"), url.Values{"document": {"2"}}, appsFile{"file", "pasport.pdf", appsPDF})
	require.Equal(e.t, http.StatusSeeOther, r.status, appsText(r))
	r = e.signOnline(c, id, e.reviewKey(c, id))
	require.Equal(e.t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(e.t, "/cabinet/applications/"+id+"?submitted=1", r.header.Get("Location"))
	return id
}

// files lists the documents a page links, by name.
func appsFiles(body string) map[string]string {
	out := map[string]string{}
	for _, m := range appsFileRE.FindAllStringSubmatch(body, -1) {
		out[html.UnescapeString(m[3])] = m[1]
	}
	return out
}

// 1. A form step by step: a mistake is explained next to the field and in
// the summary, in the visitor's language, and nothing typed is lost.
func TestApplicationsFormSteps(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	c := e.as(appsKyiv, "resident")

	id := e.start(c, "KY-0001")
	require.Equal(t, id, e.start(c, "KY-0001"), "a second start resumes the draft")
	r := get(t, c, e.u("/cabinet/applications/"+id+"/steps/0"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), `value="`+resident.RNOKPP+`"`, "РНОКПП filled from the profile")
	require.Contains(t, appsText(r), `value="`+resident.Phone+`"`, "phone filled from the profile")
	// The applicant's identity is the sign-in's, in the legal order, and
	// read-only.
	for _, f := range []struct{ name, value string }{{"last_name", resident.FamilyName}, {"first_name", resident.GivenName},
		{"middle_name", resident.MiddleName}, {"rnokpp", resident.RNOKPP}} {
		require.Regexp(t, `<input type="text" id="f-`+f.name+`" name="`+f.name+`" value="`+f.value+`"[^>]* readonly>`, r.body)
		// It says why it cannot be changed, and the field points at it.
		require.Regexp(t, `<span class="hint" id="f-`+f.name+`-ro">Заповнено з вашого входу`, r.body)
		require.Regexp(t, `id="f-`+f.name+`" [^>]*aria-describedby="[^"]*f-`+f.name+`-ro"`, r.body)
	}
	require.Less(t, strings.Index(r.body, `id="f-last_name"`), strings.Index(r.body, `id="f-first_name"`))
	require.Less(t, strings.Index(r.body, `id="f-first_name"`), strings.Index(r.body, `id="f-middle_name"`))
	require.NotRegexp(t, `id="f-phone"[^>]* readonly`, r.body, "the phone is the person's to type")

	bad := appsApplicantStep(resident)
	bad.Set("phone", "067-100")
	r = e.step(c, id, 0, bad, "next")
	require.Equal(t, http.StatusUnprocessableEntity, r.status, appsText(r))
	body := appsText(r)
	summary := regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`).FindString(body)
	require.NotEmpty(t, summary, "no error summary")
	require.Contains(t, summary, `<a href="#f-phone">«Телефон»: вкажіть номер телефону в Україні, наприклад 067 100 00 01 або +380671000001.</a>`)
	require.Equal(t, 1, strings.Count(summary, `href="#f-`), "only the phone is wrong: %s", summary)
	require.Contains(t, body, `id="f-phone-error"`)
	require.Contains(t, body, `<title>Помилка:`)
	// What was typed is still there, the mistake too.
	require.Contains(t, body, `value="067-100"`)
	require.Contains(t, body, `value="`+resident.Email+`"`)

	// The draft was saved as typed, and the step did not move on.
	require.Equal(t, appsRow{Status: "draft", Phone: "067-100", LastName: resident.FamilyName, Step: 0}, e.row(id))
	r = get(t, c, e.u("/cabinet/applications/"+id+"/steps/0"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), `value="067-100"`)
	require.NotContains(t, appsText(r), `class="error-summary"`, "a plain GET shows no errors")

	// "Save" keeps a wrong value and says so.
	r = e.step(c, id, 0, bad, "save")
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/cabinet/applications/"+id+"/steps/0?saved=1", r.header.Get("Location"))
	require.Contains(t, appsText(get(t, c, e.u(r.header.Get("Location")))), "Чернетку збережено.")

	// In English: the English message.
	r = appsPost(t, c, e.u("/prefs"), url.Values{"lang": {"en"}, "return": {"/"}})
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	r = e.step(c, id, 0, bad, "next")
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, appsText(r), `<html lang="en"`)
	require.Contains(t, appsText(r), `<a href="#f-phone">“Phone”: give a Ukrainian phone number, e.g. 067 100 00 01 or +380671000001.</a>`)
	require.NotContains(t, appsText(r), "Телефон у форматі")
	require.Contains(t, appsText(r), "Applicant", "the step's title in English")

	// Corrected: on to the next step, and back.
	e.next(c, id, 0, appsApplicantStep(resident))
	require.Equal(t, 1, e.row(id).Step)
	r = e.step(c, id, 1, url.Values{"katottg": {"UA80000000000093317"}}, "back")
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/cabinet/applications/"+id+"/steps/0", r.header.Get("Location"))
	r = get(t, c, e.u("/cabinet/applications/"+id+"/steps/1"))
	require.Contains(t, appsText(r), `value="UA80000000000093317"`, "a value posted with back is kept too")

	// A step that does not exist.
	require.Equal(t, http.StatusNotFound, get(t, c, e.u("/cabinet/applications/"+id+"/steps/9")).status)
	require.Equal(t, http.StatusNotFound, e.step(c, id, 9, url.Values{}, "next").status)
}

// 2. KY-0001 from the first step to the cabinet: attachments (a PDF taken,
// an HTML page named .pdf refused), one click on the signing button, a
// double click that makes no second application.
func TestApplicationsSubmitResidence(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	c := e.as(appsKyiv, "resident")

	id := e.start(c, "KY-0001")
	e.fillResidence(c, id, resident)
	r := get(t, c, e.u("/cabinet/applications/"+id+"/steps/3"))
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/cabinet/applications/"+id+"/files", r.header.Get("Location"))

	files := e.u("/cabinet/applications/" + id + "/files")
	r = appsMultipart(t, c, files, url.Values{"document": {"2"}}, appsFile{"file", "pasport.pdf", appsPDF})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	r = get(t, c, files)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "pasport.pdf")

	r = appsMultipart(t, c, files, url.Values{"document": {"2"}}, appsFile{"file", "dovidka.pdf", appsHTML})
	require.Equal(t, http.StatusBadRequest, r.status, appsText(r))
	require.Contains(t, appsText(r), "Формат файлу «dovidka.pdf» не підтримується.")
	require.Contains(t, appsText(r), "перейменування не допоможе")
	require.Contains(t, appsText(r), `<a href="#f-file">`)
	require.Contains(t, appsText(r), "pasport.pdf", "the files already attached are still listed")
	require.Equal(t, 2, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1`, id), "the refused file is not attached (pravo.pdf and pasport.pdf are)")

	// The signed bytes name the attachment by its hash.
	r = get(t, c, e.u("/cabinet/applications/"+id+"/canonical"))
	require.Equal(t, http.StatusOK, r.status)
	sum := sha256.Sum256(appsPDF)
	require.Contains(t, r.body, hex.EncodeToString(sum[:]))

	key := e.reviewKey(c, id)
	// Not from another site.
	r = do(t, c, http.MethodPost, e.u("/cabinet/applications/"+id+"/sign"), url.Values{"key": {key}, "method": {"online"}},
		map[string]string{"Sec-Fetch-Site": "cross-site"})
	require.Equal(t, http.StatusForbidden, r.status)
	require.Equal(t, "draft", e.row(id).Status)

	r = e.signOnline(c, id, key)
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, "/cabinet/applications/"+id+"?submitted=1", r.header.Get("Location"))
	// A double click: the same application, not another.
	r = e.signOnline(c, id, key)
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, "/cabinet/applications/"+id+"?submitted=1", r.header.Get("Location"))

	row := e.row(id)
	require.Equal(t, "received", row.Status)
	require.Regexp(t, `^\d{4}-\d{6}$`, row.Number)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM applications WHERE status <> 'draft'`))
	require.Equal(t, 2, e.count(`SELECT count(*) FROM application_events WHERE application_id = $1`, id), "signed and received, once")

	r = get(t, c, e.u("/cabinet"))
	require.Equal(t, http.StatusOK, r.status)
	nums := appsNumberRE.FindAllStringSubmatch(r.body, -1)
	require.Len(t, nums, 1, "the cabinet lists one application")
	require.Equal(t, id, nums[0][1])
	require.Equal(t, row.Number, nums[0][2])
	require.Contains(t, appsText(r), "Чернеток немає.", "the draft became the application")

	r = get(t, c, e.u("/cabinet/applications/"+id+"?submitted=1"))
	require.Equal(t, http.StatusOK, r.status)
	body := appsText(r)
	require.Contains(t, body, "Заява № "+row.Number)
	require.Contains(t, body, `<strong id="app-status">Отримано</strong>`)
	require.Contains(t, body, "Заяву подано і зареєстровано.")
	require.Contains(t, body, resident.RNOKPP, "signed by the resident")
	require.Contains(t, appsFiles(r.body), "pasport.pdf")

	// Locked: no step, no attachment any more.
	r = get(t, c, e.u("/cabinet/applications/"+id+"/steps/0"))
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, "/cabinet/applications/"+id, r.header.Get("Location"))
	r = appsMultipart(t, c, files, url.Values{"document": {"2"}}, appsFile{"file", "insha.pdf", appsPDF})
	require.Equal(t, http.StatusSeeOther, r.status)
	require.Equal(t, 2, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1`, id))

	// Another key for a submitted application is refused.
	r = e.signOnline(c, id, "another-key")
	require.Equal(t, http.StatusConflict, r.status)

	// A double click that really is at once: a second application, signed
	// by two requests in parallel, is made once.
	second := e.start(c, "KY-0001")
	require.NotEqual(t, id, second)
	e.fillResidence(c, second, resident)
	key = e.reviewKey(c, second)
	type result struct {
		status   int
		location string
		err      error
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			req, err := http.NewRequest(http.MethodPost, e.u("/cabinet/applications/"+second+"/sign"),
				strings.NewReader(url.Values{"key": {key}, "method": {"online"}}.Encode()))
			if err != nil {
				results <- result{err: err}
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := c.Do(req)
			if err != nil {
				results <- result{err: err}
				return
			}
			res.Body.Close()
			results <- result{status: res.StatusCode, location: res.Header.Get("Location")}
		}()
	}
	for range 2 {
		got := <-results
		require.NoError(t, got.err)
		require.Equal(t, http.StatusSeeOther, got.status)
		require.Equal(t, "/cabinet/applications/"+second+"?submitted=1", got.location)
	}
	require.Equal(t, 2, e.count(`SELECT count(*) FROM applications WHERE status <> 'draft'`))
	require.Equal(t, 2, e.count(`SELECT count(*) FROM application_events WHERE application_id = $1`, second))
	require.Len(t, appsNumberRE.FindAllStringSubmatch(get(t, c, e.u("/cabinet")).body, -1), 2)
}

// 3. Signing with one's own tool: the canonical bytes downloaded, a
// detached .p7s uploaded. Another person's certificate is refused.
func TestApplicationsSignWithUploadedP7S(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident, other := appsPersona(t, "resident"), appsPersona(t, "legal_rep")
	c := e.as(appsKyiv, "resident")
	id := e.start(c, "KY-0001")
	e.fillResidence(c, id, resident)

	r := get(t, c, e.u("/cabinet/applications/"+id+"/canonical"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.header.Get("Content-Disposition"), "attachment")
	canonical := []byte(r.body)
	var content applications.SignedContent
	require.NoError(t, json.Unmarshal(canonical, &content))
	require.Equal(t, id, content.Application)
	require.Equal(t, "kyiv", content.City)
	require.Equal(t, resident.RNOKPP, content.Applicant.RNOKPP)

	ca := e.devCA()
	sign := func(p devidp.Persona, data []byte) []byte {
		cert, key, err := ca.Issue(p.RNOKPP, p.FullName())
		require.NoError(t, err)
		cms, err := signature.SignDetached(data, cert, key)
		require.NoError(t, err)
		return cms
	}
	upload := func(cms []byte) response {
		return appsMultipart(t, c, e.u("/cabinet/applications/"+id+"/sign"), url.Values{"key": {e.reviewKey(c, id)}, "method": {"upload"}},
			appsFile{"signature", "zaiava.json.p7s", cms})
	}

	// Each refusal says its reason, in words a resident understands.
	stranger, err := signature.NewDevCA("Чужий ЦСК")
	require.NoError(t, err)
	signBy := func(cert *x509.Certificate, key crypto.Signer, data []byte) []byte {
		cms, err := signature.SignDetached(data, cert, key)
		require.NoError(t, err)
		return cms
	}
	strangerCert, strangerKey, err := stranger.Issue(resident.RNOKPP, resident.FullName())
	require.NoError(t, err)
	oldCert, oldKey, err := ca.IssueValid(resident.RNOKPP, resident.FullName(), time.Now().AddDate(-2, 0, 0), time.Now().AddDate(-1, 0, 0))
	require.NoError(t, err)
	for _, c := range []struct {
		name, says, reason string
		cms                []byte
	}{
		{"another person's certificate", "ключем іншої особи", "other_person", sign(other, canonical)},
		{"the resident's certificate over other bytes", "змінено після підписання", "tampered", sign(resident, append(append([]byte{}, canonical...), ' '))},
		{"an untrusted CA", "немає в переліку довірених", "untrusted_ca", signBy(strangerCert, strangerKey, canonical)},
		{"an expired certificate", "не був чинним на час підписання", "not_valid_at_signing", signBy(oldCert, oldKey, canonical)},
		{"not a signature", "не є відокремленим електронним підписом", "malformed", []byte("підпис")},
	} {
		r = upload(c.cms)
		require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", c.name, appsText(r))
		require.Contains(t, appsText(r), "Заяву не подано", c.name)
		require.Contains(t, appsText(r), c.says, c.name)
		require.Equal(t, "draft", e.row(id).Status, c.name)
		require.Equal(t, 1, e.count(`SELECT count(*) FROM security_events WHERE kind = 'signature_refused'
			AND details->>'application' = $1 AND details->>'reason' = $2`, id, c.reason), "%s: logged with its reason", c.name)
	}
	// No file at all.
	r = appsMultipart(t, c, e.u("/cabinet/applications/"+id+"/sign"), url.Values{"key": {e.reviewKey(c, id)}, "method": {"upload"}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Equal(t, "draft", e.row(id).Status)
	r = get(t, c, e.u("/cabinet/applications/"+id))
	require.Equal(t, http.StatusSeeOther, r.status, "still a draft: the application page sends to its steps")

	// The resident's own signature.
	cms := sign(resident, canonical)
	r = upload(cms)
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, "/cabinet/applications/"+id+"?submitted=1", r.header.Get("Location"))
	require.Equal(t, "received", e.row(id).Status)
	var stored []byte
	var signer string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT signature, signer_rnokpp FROM applications WHERE id = $1`, id).Scan(&stored, &signer)
	})
	require.Equal(t, cms, stored, "the uploaded signature is kept as it is")
	require.Equal(t, resident.RNOKPP, signer)
	// The canonical bytes are now the signed ones, and still verify.
	r = get(t, c, e.u("/cabinet/applications/"+id+"/canonical"))
	_, err = signature.VerifyDetached([]byte(r.body), cms, signature.VerifyOptions{Roots: ca.Pool(), WantRNOKPP: resident.RNOKPP})
	require.NoError(t, err)
}

// 3b. The applicant is the signer: a direct POST of another person's
// РНОКПП is refused on its step, naming the field, and so is the signing,
// online or with the resident's own .p7s over those bytes.
func TestApplicationsApplicantIsTheSigner(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident, other := appsPersona(t, "resident"), appsPersona(t, "legal_rep")
	c := e.as(appsKyiv, "resident")
	id := e.start(c, "KY-0001")
	e.fillResidence(c, id, resident)

	bad := appsApplicantStep(resident)
	bad.Set("rnokpp", other.RNOKPP)
	r := e.step(c, id, 0, bad, "next")
	require.Equal(t, http.StatusUnprocessableEntity, r.status, appsText(r))
	const says = "Поле «РНОКПП (ідентифікаційний код)» — це дані заявника з вашого входу та сертифіката підпису"
	require.Contains(t, appsText(r), says)
	require.Contains(t, appsText(r), "має бути «"+resident.RNOKPP+"»")

	r = e.signOnline(c, id, e.reviewKey(c, id))
	require.Equal(t, http.StatusBadRequest, r.status, appsText(r))
	require.Contains(t, appsText(r), says)
	r = get(t, c, e.u("/cabinet/applications/"+id+"/canonical"))
	require.Contains(t, r.body, other.RNOKPP, "the bytes name the other person")
	cert, key, err := e.devCA().Issue(resident.RNOKPP, resident.FullName())
	require.NoError(t, err)
	cms, err := signature.SignDetached([]byte(r.body), cert, key)
	require.NoError(t, err)
	r = appsMultipart(t, c, e.u("/cabinet/applications/"+id+"/sign"), url.Values{"key": {e.reviewKey(c, id)}, "method": {"upload"}},
		appsFile{"signature", "zaiava.json.p7s", cms})
	require.Equal(t, http.StatusBadRequest, r.status, appsText(r))
	require.Contains(t, appsText(r), says)
	require.Equal(t, "draft", e.row(id).Status)

	e.next(c, id, 0, appsApplicantStep(resident))
	r = e.signOnline(c, id, e.reviewKey(c, id))
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
}

// 4. Nobody reaches another's application: not another resident, not the
// company's representative, not the same person in another city, not an
// official of another provider; a draft is nobody's business but its
// author's.
func TestApplicationsIDOR(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	owner := e.as(appsKyiv, "resident")
	id := e.applyResidence(owner, resident)
	draft := e.start(owner, "KY-0047") // a parking season ticket, at "transport"
	e.next(owner, draft, 0, appsApplicantStep(resident))
	before := e.row(draft)
	var file string
	for name, link := range appsFiles(get(t, owner, e.u("/cabinet/applications/"+id)).body) {
		if name == "pasport.pdf" {
			file = link[strings.LastIndex(link, "/")+1:]
		}
	}
	require.NotEmpty(t, file)

	// Another resident (the dispatcher, acting for herself) and the
	// company's representative.
	for _, persona := range []string{"dispatcher", "legal_rep"} {
		t.Run(persona, func(t *testing.T) {
			x := e.as(appsKyiv, persona)
			app := "/cabinet/applications/" + id
			for _, p := range []string{app, app + "/status", app + "/canonical", app + "/files/" + file,
				"/cabinet/applications/" + draft + "/steps/0", "/cabinet/applications/" + draft + "/review",
				"/cabinet/applications/" + draft + "/files", "/cabinet/applications/" + draft + "/canonical"} {
				r := get(t, x, e.u(p))
				require.Equal(t, http.StatusNotFound, r.status, "GET %s", p)
				require.NotContains(t, appsText(r), resident.RNOKPP, "GET %s", p)
			}
			for p, form := range map[string]url.Values{
				app + "/withdraw": {"comment": {"не моя"}},
				app + "/sign":     {"key": {"k"}, "method": {"online"}},
				"/cabinet/applications/" + draft + "/steps/0":                               {"action": {"next"}, "last_name": {"Хтось"}, "phone": {"+380501112233"}},
				"/cabinet/applications/" + draft + "/sign":                                  {"key": {"k"}, "method": {"online"}},
				"/cabinet/applications/" + draft + "/discard":                               {},
				"/cabinet/applications/" + draft + "/files/" + uuid.NewString() + "/delete": {},
			} {
				r := appsPost(t, x, e.u(p), form)
				require.Equal(t, http.StatusNotFound, r.status, "POST %s", p)
			}
			r := appsMultipart(t, x, e.u("/cabinet/applications/"+draft+"/files"), nil, appsFile{"file", "x.pdf", appsPDF})
			require.Equal(t, http.StatusNotFound, r.status)
			// Their cabinet lists none of it.
			r = get(t, x, e.u("/cabinet"))
			require.Equal(t, http.StatusOK, r.status)
			require.NotContains(t, r.body, id)
			require.NotContains(t, r.body, draft)
		})
	}
	// Nothing changed.
	require.Equal(t, "received", e.row(id).Status)
	require.Equal(t, before, e.row(draft))
	require.Equal(t, 2, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1`, id), "pravo.pdf and pasport.pdf")
	require.Equal(t, 0, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1`, draft))

	// The same person in Lviv: Kyiv's application does not exist there.
	lviv := e.as(appsLviv, "resident")
	for _, p := range []string{"/cabinet/applications/" + id, "/cabinet/applications/" + id + "/status", "/cabinet/applications/" + id + "/files/" + file} {
		require.Equal(t, http.StatusNotFound, get(t, lviv, e.ta.url(appsLviv, p)).status, "Lviv GET %s", p)
	}
	require.Equal(t, http.StatusNotFound, appsPost(t, lviv, e.ta.url(appsLviv, "/cabinet/applications/"+id+"/withdraw"), url.Values{}).status)
	// Lviv's officials neither.
	lvivOfficial := e.as(appsLviv, "official-dcnap")
	require.Equal(t, http.StatusForbidden, get(t, lvivOfficial, e.ta.url(appsLviv, "/work/applications/"+id)).status)

	// Officials: the provider's own may, another provider's may not.
	dcnap, transport := e.providerID("dcnap"), e.providerID("transport")
	tr := e.as(appsKyiv, "official-transport")
	require.Equal(t, http.StatusForbidden, get(t, tr, e.u("/work/applications/"+id)).status)
	require.Equal(t, http.StatusForbidden, appsPost(t, tr, e.u("/work/applications/"+id+"/take"), url.Values{}).status)
	require.Equal(t, http.StatusForbidden, get(t, tr, e.u("/work/applications/"+id+"/files/"+file)).status)
	require.Equal(t, "received", e.row(id).Status)
	dc := e.as(appsKyiv, "official-dcnap")
	r := get(t, dc, e.u("/work/applications/"+id))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), e.row(id).Number)
	r = get(t, dc, e.u("/work/applications/"+id+"/files/"+file))
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, string(appsPDF), r.body)
	require.Equal(t, http.StatusOK, get(t, dc, e.u("/work/applications?provider="+dcnap)).status)
	require.Equal(t, http.StatusForbidden, get(t, dc, e.u("/work/applications?provider="+transport)).status)
	// A draft is not in anybody's workspace, whichever provider.
	require.Equal(t, http.StatusForbidden, get(t, tr, e.u("/work/applications/"+draft)).status)
	require.Equal(t, http.StatusForbidden, get(t, dc, e.u("/work/applications/"+draft)).status)
	r = get(t, tr, e.u("/work/applications?provider="+transport))
	require.Equal(t, http.StatusOK, r.status)
	require.NotContains(t, r.body, draft)

	// The provider's head reads but does not process; the administrator
	// does neither (separation of duties).
	head := e.as(appsKyiv, "provider_head")
	require.Equal(t, http.StatusOK, get(t, head, e.u("/work/applications/"+id)).status)
	require.Equal(t, http.StatusForbidden, appsPost(t, head, e.u("/work/applications/"+id+"/take"), url.Values{}).status)
	admin := e.as(appsKyiv, "administrator")
	require.Equal(t, http.StatusForbidden, get(t, admin, e.u("/work/applications/"+id)).status)
	require.Equal(t, http.StatusForbidden, appsPost(t, admin, e.u("/work/applications/"+id+"/take"), url.Values{}).status)

	// A resident has no workspace.
	require.Equal(t, http.StatusForbidden, get(t, owner, e.u("/work/applications/"+id)).status)
	require.Equal(t, http.StatusForbidden, get(t, owner, e.u("/work/applications?provider="+dcnap)).status)
	require.Equal(t, http.StatusForbidden, appsPost(t, owner, e.u("/work/applications/"+id+"/take"), url.Values{}).status)
	require.Equal(t, "received", e.row(id).Status)
}

// 5. The officials' flow over HTTP, to a signed decision the resident
// downloads and verifies.
func TestApplicationsOfficialsFlow(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident, official := appsPersona(t, "resident"), appsPersona(t, "official-dcnap")
	res := e.as(appsKyiv, "resident")
	id := e.applyResidence(res, resident)
	number := e.row(id).Number
	off := e.as(appsKyiv, "official-dcnap")
	work := e.u("/work/applications/" + id)
	act := func(action string, form url.Values) response {
		t.Helper()
		return appsPost(t, off, work+"/"+action, form)
	}
	done := func(r response) {
		t.Helper()
		require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
		require.Equal(t, "/work/applications/"+id+"?done=1", r.header.Get("Location"))
	}

	// In the provider's queue.
	r := get(t, off, e.u("/work/applications?provider="+e.providerID("dcnap")))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `href="/work/applications/`+id+`"`)

	r = get(t, off, work)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `action="/work/applications/`+id+`/take"`)
	// Not yet: nothing to decide before taking it.
	r = act("decide", url.Values{"decision": {"approve"}})
	require.Equal(t, http.StatusConflict, r.status)
	require.Contains(t, appsText(r), "Цю дію із заявою зараз виконати не можна")

	done(act("take", nil))
	require.Equal(t, "in_review", e.row(id).Status)
	r = act("clarify", url.Values{"comment": {"   "}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, appsText(r), "Напишіть, будь ласка, текст.")
	require.Equal(t, "in_review", e.row(id).Status)
	done(act("clarify", url.Values{"comment": {"Додайте, будь ласка, номер під’їзду."}}))
	require.Equal(t, "clarification", e.row(id).Status)

	// The resident answers, with a file.
	view := e.u("/cabinet/applications/" + id)
	r = get(t, res, view)
	require.Contains(t, appsText(r), "Додайте, будь ласка, номер під’їзду.")
	require.Contains(t, r.body, `action="/cabinet/applications/`+id+`/answer"`)
	r = appsMultipart(t, res, view+"/answer", url.Values{"comment": {""}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, appsText(r), "Напишіть, будь ласка, текст.")
	r = appsMultipart(t, res, view+"/answer", url.Values{"comment": {"Під’їзд № 2."}}, appsFile{"file", "dodatok.pdf", appsPDF})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, "resubmitted", e.row(id).Status)

	done(act("take", nil))
	r = get(t, off, work)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), "Під’їзд № 2.")
	require.Contains(t, appsFiles(r.body), "dodatok.pdf")
	// A refusal names one of the service's grounds.
	r = act("decide", url.Values{"decision": {"refuse"}, "grounds": {""}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, appsText(r), "Для відмови оберіть одну з підстав")
	r = act("decide", url.Values{"decision": {"refuse"}, "grounds": {"Бо так"}})
	require.Equal(t, http.StatusBadRequest, r.status, "a ground not in the list")
	require.Equal(t, "in_review", e.row(id).Status)
	sel := appsGroundRE.FindStringSubmatch(r.body)
	require.NotNil(t, sel, "no grounds select")
	opts := appsOptionRE.FindAllStringSubmatch(sel[1], -1)
	require.NotEmpty(t, opts)
	ground := html.UnescapeString(opts[0][1])
	done(act("decide", url.Values{"decision": {"refuse"}, "grounds": {ground}, "comment": {"Див. рішення."}}))
	require.Equal(t, "refused", e.row(id).Status)

	// A web page is no result document.
	r = appsMultipart(t, off, work+"/issue", url.Values{}, appsFile{"file", "rishennia.pdf", appsHTML})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, appsText(r), "Формат файлу «rishennia.pdf» не підтримується.")
	require.Equal(t, "refused", e.row(id).Status)

	// Issued with a result document.
	result := append(append([]byte{}, appsPDF...), []byte("% vidmova\n")...)
	r = appsMultipart(t, off, work+"/issue", url.Values{"comment": {"Рішення підписано."}}, appsFile{"file", "vidmova.pdf", result})
	done(r)
	require.Equal(t, "issued", e.row(id).Status)
	r = get(t, off, work)
	require.Contains(t, appsText(r), `<strong id="app-status">Відмовлено</strong>`)
	require.Contains(t, appsText(r), "Заява закрита: дій немає.")

	// The resident downloads the decision and its signature and verifies
	// them against the city's CA: signed by this official.
	r = get(t, res, view)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), `<strong id="app-status">Відмовлено</strong>`)
	require.Contains(t, appsText(r), ground)
	require.Contains(t, appsText(r), "Адміністратор ЦНАП "+official.FullName())
	links := appsFiles(r.body)
	decName := "rishennia-" + number + ".json"
	for _, n := range []string{"pasport.pdf", "dodatok.pdf", decName, decName + ".p7s", "vidmova.pdf", "vidmova.pdf.p7s"} {
		require.Contains(t, links, n, "documents: %v", links)
	}
	download := func(name string) response {
		t.Helper()
		r := get(t, res, e.u(links[name]))
		require.Equal(t, http.StatusOK, r.status, name)
		require.True(t, strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment"), "%s: %q", name, r.header.Get("Content-Disposition"))
		require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"), name)
		return r
	}
	dec, decSig := download(decName), download(decName+".p7s")
	require.Equal(t, "application/json", dec.header.Get("Content-Type"))
	ca := e.devCA()
	signer, err := signature.VerifyDetached([]byte(dec.body), []byte(decSig.body), signature.VerifyOptions{Roots: ca.Pool(), WantRNOKPP: official.RNOKPP})
	require.NoError(t, err)
	require.Equal(t, official.FullName(), signer.CommonName)
	_, err = signature.VerifyDetached([]byte(dec.body), []byte(decSig.body), signature.VerifyOptions{Roots: ca.Pool(), WantRNOKPP: resident.RNOKPP})
	require.Error(t, err, "the decision is the official's, not the resident's")
	var rec applications.DecisionRecord
	require.NoError(t, json.Unmarshal([]byte(dec.body), &rec))
	require.Equal(t, id, rec.Application)
	require.Equal(t, number, rec.Number)
	require.Equal(t, "refused", rec.Decision)
	require.Equal(t, ground, rec.Grounds)
	require.Equal(t, "Адміністратор ЦНАП", rec.Position)
	require.Equal(t, official.FullName(), rec.FullName)
	require.Equal(t, resident.RNOKPP, rec.Applicant.RNOKPP)
	require.NotNil(t, rec.Result)
	sum := sha256.Sum256(result)
	require.Equal(t, hex.EncodeToString(sum[:]), rec.Result.SHA256)
	// The decision a person reads: a PDF signed by the official, inside
	// and detached, first on the page with the grounds and how to appeal.
	require.Contains(t, links, "rishennia-"+number+".pdf")
	decPDF, decPDFSig := download("rishennia-"+number+".pdf"), download("rishennia-"+number+".pdf.p7s")
	require.Equal(t, "application/pdf", decPDF.header.Get("Content-Type"))
	require.Contains(t, doctest.RequireSigned(t, []byte(decPDF.body), []byte(decPDFSig.body), ca.Certificate), official.FullName())
	require.Contains(t, appsText(r), `<h2 id="ready-title">У наданні послуги відмовлено</h2>`)
	require.Contains(t, appsText(r), "Як оскаржити")
	pdf, pdfSig := download("vidmova.pdf"), download("vidmova.pdf.p7s")
	require.Equal(t, string(result), pdf.body)
	_, err = signature.VerifyDetached([]byte(pdf.body), []byte(pdfSig.body), signature.VerifyOptions{Roots: ca.Pool(), WantRNOKPP: official.RNOKPP})
	require.NoError(t, err)

	// Nothing more happens to an issued application.
	require.Equal(t, http.StatusConflict, act("take", nil).status)
	require.Equal(t, http.StatusConflict, appsPost(t, res, view+"/withdraw", url.Values{}).status)
	// The resident was told at every step.
	// (The resident's: the officials' deadline notices about it, which the
	// deadlines' periodic job may send while it is open, are theirs.)
	require.Equal(t, 6, e.count(`SELECT count(*) FROM notifications n JOIN accounts a ON a.id = n.account_id
		WHERE n.application_id = $1 AND a.rnokpp = $2`, id, resident.RNOKPP),
		"received, in review, clarification, in review, refused, issued")
}

// 6. Every staff view of an application is in the audit log, which the
// auditor reads; the resident's own views are not staff views.
func TestApplicationsStaffViewIsAudited(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	res := e.as(appsKyiv, "resident")
	id := e.applyResidence(res, appsPersona(t, "resident"))
	views := func() int {
		return e.count(`SELECT count(*) FROM audit_events WHERE action = 'application.view' AND object_type = 'application' AND object_id = $1`, id)
	}
	require.Equal(t, 0, views())
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'application.submit' AND object_id = $1`, id))
	require.Equal(t, http.StatusOK, get(t, res, e.u("/cabinet/applications/"+id)).status)
	require.Equal(t, 0, views(), "a resident's view of their own application is not a staff view")

	off := e.as(appsKyiv, "official-dcnap")
	require.Equal(t, http.StatusOK, get(t, off, e.u("/work/applications/"+id)).status)
	require.Equal(t, 1, views())
	var actorID, actorName string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT e.actor_id, e.actor_name FROM audit_events e WHERE e.action = 'application.view' AND e.object_id = $1`, id).
			Scan(&actorID, &actorName)
	})
	var officialID string
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM accounts WHERE rnokpp = $1`, appsPersona(t, "official-dcnap").RNOKPP).Scan(&officialID)
	})
	require.Equal(t, officialID, actorID)
	require.Equal(t, appsPersona(t, "official-dcnap").FullName(), actorName)
	// Every view, not the first only.
	require.Equal(t, http.StatusOK, get(t, off, e.u("/work/applications/"+id)).status)
	require.Equal(t, 2, views(), "every view, not the first only")

	// A refused look (another provider's official) is no view.
	require.Equal(t, http.StatusForbidden, get(t, e.as(appsKyiv, "official-transport"), e.u("/work/applications/"+id)).status)
	require.Equal(t, 2, views())

	aud := e.as(appsKyiv, "auditor")
	r := get(t, aud, e.u("/admin/audit?action=application.view"))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, "application.view")
	row := auditRow(t, r.body, "Переглянуто заяву")
	require.Contains(t, row, appsPersona(t, "official-dcnap").FullName())
	require.Contains(t, row, "Адміністратор ЦНАП", "the official's position")
	require.Contains(t, row, "Заява № "+e.row(id).Number)
	require.NotContains(t, row, "<a href", "the auditor may not open an application")
	// The refused look is a denied request, found by the denied filter.
	r = get(t, aud, e.u("/admin/audit?result=denied&actor="+url.QueryEscape(appsPersona(t, "official-transport").FamilyName)))
	require.Equal(t, http.StatusOK, r.status)
	row = auditRow(t, r.body, "Відмовлено в доступі")
	require.Contains(t, row, "GET /work/applications/"+id)
}

// 7. An automatic service: with no rules yet, the job hands the
// application to the officials, saying why, and the resident sees it.
func TestApplicationsAutomaticHandOver(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	c := e.as(appsKyiv, "resident")
	id := e.start(c, "KY-0003")
	e.next(c, id, 0, appsApplicantStep(resident))
	// Lviv's settlement code: the form contradicts the residents' register
	// (seed 003 §5.2), so automatic mode cannot decide.
	e.next(c, id, 1, url.Values{"katottg": {"UA46060250010015970"}, "address": {"вул. Хрещатик, 10, кв. 5"}, "persons": {"3"}, "purpose": {"bank"}})
	r := e.signOnline(c, id, e.reviewKey(c, id))
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	number := e.row(id).Number

	// The reason's wording is the automatic-mode module's; it starts so
	// and says where the application went.
	const reason = "Автоматичний режим"
	type status struct {
		Status string
		Events []struct{ Label, Who, Comment string }
	}
	var (
		st      status
		comment string
	)
	deadline := time.Now().Add(10 * time.Second)
	for found := false; !found; {
		require.True(t, time.Now().Before(deadline), "the automatic job did not run: %+v", st)
		r := get(t, c, e.u("/cabinet/applications/"+id+"/status"))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "no-store", r.header.Get("Cache-Control"))
		require.NoError(t, json.Unmarshal([]byte(r.body), &st))
		for _, ev := range st.Events {
			if strings.HasPrefix(ev.Comment, reason) {
				found, comment = true, ev.Comment
				require.Contains(t, ev.Comment, "посадовим особам")
				require.Equal(t, "Громада (автоматично)", ev.Who)
			}
		}
		if !found {
			time.Sleep(50 * time.Millisecond)
		}
	}
	require.Equal(t, "received", st.Status)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM application_events WHERE application_id = $1 AND comment LIKE $2`, id, reason+"%"),
		"handed over once")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM outbox WHERE topic = 'applications.new' AND payload->>'application_id' = $1`, id),
		"the officials are told once")

	off := e.as(appsKyiv, "official-dcnap")
	r = get(t, off, e.u("/work/applications?provider="+e.providerID("dcnap")))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `href="/work/applications/`+id+`">`+number+`</a>`)
	r = get(t, off, e.u("/work/applications/"+id))
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, appsText(r), comment)
	require.Contains(t, r.body, `action="/work/applications/`+id+`/take"`, "the officials can take it")
	r = get(t, c, e.u("/cabinet/applications/"+id))
	require.Contains(t, appsText(r), comment, "the resident sees why too")
}

// A resident who may not answer a clarification of an application (it is
// not theirs) is refused before the file they sent is stored: otherwise
// any signed-in person could write files into the document store under
// another application's folder that nothing ever refers to or removes.
func TestApplicationsAnswerToForeignApplicationStoresNothing(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	owner := e.as(appsKyiv, "resident")
	id := e.applyResidence(owner, appsPersona(t, "resident"))
	// The file is marked, to be found wherever the store keeps it.
	marker := "smittia-" + uuid.NewString()
	junk := append(append([]byte{}, appsPDF...), []byte("%"+marker+"\n")...)
	root := strings.TrimPrefix(e.ta.cfg.ObjectStore, "file://")
	stored := func() (n int) {
		require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err == nil && bytes.Contains(b, []byte(marker)) {
				n++
			}
			return err
		}))
		return n
	}

	x := e.as(appsKyiv, "dispatcher")
	r := appsMultipart(t, x, e.u("/cabinet/applications/"+id+"/answer"), url.Values{"comment": {"не моя заява"}},
		appsFile{"file", "smittia.pdf", junk})
	require.Equal(t, http.StatusNotFound, r.status)
	require.Zero(t, stored(), "a refused answer to another person's application left a file in the document store")
}

// 9. The term on the officials' side, by direct POSTs: the provider head
// (and only the head) reassigns, to an official of the provider only; the
// official (and not the head) extends the term, later only; the page
// offers each only to whom the route allows.
func TestApplicationsReassignAndExtend(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	id := e.applyResidence(e.as(appsKyiv, "resident"), resident)
	off, head := e.as(appsKyiv, "official-dcnap"), e.as(appsKyiv, "provider_head")
	work := e.u("/work/applications/" + id)
	account := func(persona string) string {
		var acc string
		e.tx(func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT id::text FROM accounts WHERE rnokpp = $1`, appsPersona(t, persona).RNOKPP).Scan(&acc)
		})
		return acc
	}
	// The transport official has to have signed in once to have an account.
	e.as(appsKyiv, "official-transport")
	dcnapOfficial, transportOfficial := account("official-dcnap"), account("official-transport")

	r := get(t, head, work)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.body, `action="/work/applications/`+id+`/reassign"`)
	require.NotContains(t, r.body, `action="/work/applications/`+id+`/extend"`, "the head does not process")
	r = get(t, off, work)
	require.Contains(t, r.body, `action="/work/applications/`+id+`/extend"`)
	require.NotContains(t, r.body, `action="/work/applications/`+id+`/reassign"`)

	require.Equal(t, http.StatusForbidden, appsPost(t, off, work+"/reassign", url.Values{"official": {dcnapOfficial}}).status)
	r = appsPost(t, head, work+"/reassign", url.Values{"official": {transportOfficial}})
	require.Equal(t, http.StatusBadRequest, r.status, appsText(r))
	require.Contains(t, appsText(r), "Оберіть посадову особу цього надавача.")
	r = appsPost(t, head, work+"/reassign", url.Values{"official": {dcnapOfficial}})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM applications WHERE id = $1 AND assignee_id::text = $2`, id, dcnapOfficial))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE account_id::text = $1 AND key = 'notify.assigned'`, dcnapOfficial))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE object_id = $1 AND action = 'application.reassign'`, id))

	var due time.Time
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT due_on FROM applications WHERE id = $1`, id).Scan(&due)
	})
	require.Equal(t, http.StatusForbidden, appsPost(t, head, work+"/extend", url.Values{"due_on": {due.AddDate(0, 0, 10).Format(time.DateOnly)}, "reason": {"x"}}).status)
	r = appsPost(t, off, work+"/extend", url.Values{"due_on": {due.Format(time.DateOnly)}, "reason": {"ч. 3 ст. 10"}})
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, appsText(r), "Нова дата має бути пізніше за чинний строк "+due.Format("02.01.2006"))
	r = appsPost(t, off, work+"/extend", url.Values{"due_on": {due.AddDate(0, 0, 10).Format("02.01.2006")}, "reason": {"ч. 3 ст. 10 Закону"}})
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	r = get(t, off, work)
	require.Contains(t, appsText(r), "продовжено · "+due.AddDate(0, 0, 10).Format("02.01.2006")+" · ч. 3 ст. 10 Закону")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE object_id = $1 AND action = 'application.term.extend'`, id))
}
