package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/documents"
	"hromada/modules/signature"
	"hromada/modules/signature/signtest"
	"hromada/tenant"
)

// The reference client of the city app (issue 22's done-when): a resident
// walks through an application by the API only — PKCE sign-in, a service
// found in the public catalog, a draft created and filled, a file
// attached, signed through the city's signer, submitted, its status
// polled until the automatic mode issues the result. Every exchange is
// validated against openapi.json by the test client; a replayed POST
// creates nothing new; another resident's token gets 404.

// cityClient is the app: its token, speaking to Kyiv's portal.
type cityClient struct {
	t     *testing.T
	e     *appsEnv
	token string
}

// do sends one request of the app and returns the answer.
func (c *cityClient) do(method, path, key, contentType string, body []byte) response {
	c.t.Helper()
	return c.send(method, path, key, contentType, body, nil)
}

// revalidate GETs path with If-None-Match: tag, as the app asks about a
// copy it already holds.
func (c *cityClient) revalidate(path, tag string) response {
	c.t.Helper()
	return c.send(http.MethodGet, path, "", "", nil, map[string]string{"If-None-Match": tag})
}

func (c *cityClient) send(method, path, key, contentType string, body []byte, headers map[string]string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.e.u(path), bytes.NewReader(body))
	require.NoError(c.t, err)
	req.Header.Set("Accept-Language", "uk")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.e.ta.client(c.t).Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// json sends v as JSON under key and decodes the answer into out when
// it is a success.
func (c *cityClient) json(path, key string, v, out any) response {
	c.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(c.t, err)
	r := c.do(http.MethodPost, path, key, "application/json", b)
	if r.status < 300 && out != nil {
		require.NoError(c.t, json.Unmarshal([]byte(r.body), out))
	}
	return r
}

// get GETs path and decodes a 200's body into out.
func (c *cityClient) get(path string, out any) response {
	c.t.Helper()
	r := c.do(http.MethodGet, path, "", "", nil)
	if r.status == http.StatusOK && out != nil {
		require.NoError(c.t, json.Unmarshal([]byte(r.body), out))
	}
	return r
}

// multipart posts fields and one file (field, name, body) under key. The
// boundary is drawn anew each time, as a real client's retry would be.
func (c *cityClient) multipart(path, key string, fields map[string]string, field, name string, body []byte) response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(c.t, mw.WriteField(k, v))
	}
	if field != "" {
		w, err := mw.CreateFormFile(field, name)
		require.NoError(c.t, err)
		_, err = w.Write(body)
		require.NoError(c.t, err)
	}
	require.NoError(c.t, mw.Close())
	return c.do(http.MethodPost, path, key, mw.FormDataContentType(), buf.Bytes())
}

// apiProblem is a problem's fields the client reads.
type apiProblem struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

func problemOf(t *testing.T, r response) apiProblem {
	t.Helper()
	var p apiProblem
	require.NoError(t, json.Unmarshal([]byte(r.body), &p), r.body)
	return p
}

func TestCityAppReferenceClient(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	tk, _ := appSignIn(t, e, e.as(appsKyiv, "resident"), "profile applications documents notifications")
	app := &cityClient{t: t, e: e, token: tk.AccessToken}
	other, _ := appSignIn(t, e, e.as(appsKyiv, "legal_rep"), "applications documents")
	stranger := &cityClient{t: t, e: e, token: other.AccessToken}
	anon := &cityClient{t: t, e: e}
	// The city's remote signer (the Diia.Sign shape): the person confirms
	// in their app, with a certificate in their name.
	remote := signtest.NewServer(e.devCA(), "token-of-the-city")
	srv := httptest.NewServer(remote)
	defer srv.Close()
	e.ta.apps.Signer = &signature.Remote{BaseURL: srv.URL, Token: "token-of-the-city", PollInterval: 20 * time.Millisecond}
	remote.Names = map[string]string{resident.RNOKPP: resident.FullName()}

	// 1. Find the service in the public catalog (no token).
	var hits struct {
		Items []struct {
			Code   string `json:"code"`
			Online bool   `json:"online"`
		} `json:"items"`
	}
	r := anon.get("/api/v1/search?q="+url.QueryEscape("довідка про зареєстрованих осіб"), &hits)
	require.Equal(t, http.StatusOK, r.status, r.body)
	code := ""
	for _, h := range hits.Items {
		if h.Code == "KY-0003" && h.Online {
			code = h.Code
		}
	}
	require.Equal(t, "KY-0003", code, "the search finds the certificate: %s", r.body)

	// 2. A draft; the same POST again (a lost answer retried) is the same draft.
	var d struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Step   int    `json:"step"`
		Errors []struct{ Field, Detail string }
	}
	r = app.json("/api/v1/applications", "start", map[string]string{"service_code": code}, &d)
	require.Equal(t, http.StatusCreated, r.status, r.body)
	id := d.ID
	r = app.json("/api/v1/applications", "start", map[string]string{"service_code": code}, &d)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	require.Equal(t, id, d.ID)

	// 3. Its steps, as the page's form has them.
	r = app.json("/api/v1/applications/"+id+"/steps/0", "s0", map[string]any{"values": appsApplicantStep(resident), "next": true}, &d)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Empty(t, d.Errors)
	r = app.json("/api/v1/applications/"+id+"/steps/1", "s1", map[string]any{"values": url.Values{"katottg": {"UA80000000000093317"},
		"address": {"вул. Січових Стрільців, 21, кв. 14"}, "persons": {"4"}, "purpose": {"bank"}}, "next": true}, &d)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Empty(t, d.Errors)

	// 4. A file: refused ones name the field, in Ukrainian; a good one is
	// attached once whatever the retries.
	r = app.multipart("/api/v1/applications/"+id+"/files", "f-none", nil, "", "", nil)
	require.Equal(t, http.StatusBadRequest, r.status, r.body)
	p := problemOf(t, r)
	require.Len(t, p.Errors, 1)
	require.Equal(t, "file", p.Errors[0].Field)
	require.Regexp(t, `[А-Яа-яІіЇїЄє]`, p.Errors[0].Detail)
	r = app.multipart("/api/v1/applications/"+id+"/files", "f-html", nil, "file", "dovidka.pdf", appsHTML)
	require.Equal(t, http.StatusBadRequest, r.status, r.body)
	p = problemOf(t, r)
	require.Equal(t, "file", p.Errors[0].Field)
	require.Contains(t, p.Errors[0].Detail, "dovidka.pdf", "the message names the file")
	r = app.multipart("/api/v1/applications/"+id+"/files", "f-doc", map[string]string{"document": "99"}, "file", "dovidka.pdf", appsPDF)
	require.Equal(t, http.StatusBadRequest, r.status, r.body)
	require.Equal(t, "document", problemOf(t, r).Errors[0].Field)
	var att struct {
		Name, SHA256 string
		Size         int
	}
	for range 2 {
		r = app.multipart("/api/v1/applications/"+id+"/files", "f-1", nil, "file", "dovidka.pdf", appsPDF)
		require.Equal(t, http.StatusCreated, r.status, r.body)
		require.NoError(t, json.Unmarshal([]byte(r.body), &att))
	}
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"), "a new boundary is the same request")
	require.Equal(t, "dovidka.pdf", att.Name)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM application_files WHERE application_id = $1 AND kind = 'attachment'`, id))
	r = app.get("/api/v1/applications/"+id+"/canonical", nil)
	require.Contains(t, r.body, att.SHA256, "the bytes to sign list the file")

	// Another resident reaches none of it.
	require.Equal(t, http.StatusNotFound, stranger.multipart("/api/v1/applications/"+id+"/files", "x", nil, "file", "a.pdf", appsPDF).status)
	r = stranger.json("/api/v1/applications/"+id+"/sign", "y", map[string]any{}, nil)
	require.Equal(t, http.StatusNotFound, r.status, r.body)
	require.Equal(t, http.StatusNotFound, stranger.get("/api/v1/applications/"+id, nil).status)

	// 5. A signature over other bytes is refused naming the field; the
	// draft stays a draft.
	cert, key, err := e.devCA().Issue(resident.RNOKPP, resident.FullName())
	require.NoError(t, err)
	wrong, err := signature.SignDetached([]byte(`{"other":"bytes"}`), cert, key)
	require.NoError(t, err)
	r = app.multipart("/api/v1/applications/"+id+"/submit", "p7s-wrong", nil, "signature", "zaiava.json.p7s", wrong)
	require.Equal(t, http.StatusBadRequest, r.status, r.body)
	p = problemOf(t, r)
	require.Equal(t, "signature", p.Errors[0].Field)
	require.Equal(t, "draft", e.row(id).Status)

	// 6. Signed through the city's signer and submitted; the replay
	// (the answer lost) submits nothing twice.
	var sent struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Status string `json:"status"`
	}
	// The person refuses in their signing app: the draft stays a draft,
	// and the problem names the signature.
	r = signThrough(t, app, remote, id, "sign-0", false)
	require.Equal(t, http.StatusBadRequest, r.status, r.body)
	require.Equal(t, "signature", problemOf(t, r).Errors[0].Field)
	require.Equal(t, "draft", e.row(id).Status)
	// Confirmed in the app: submitted, the certificate naming the resident.
	r = signThrough(t, app, remote, id, "sign-1", true)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.NoError(t, json.Unmarshal([]byte(r.body), &sent))
	require.NotEmpty(t, sent.Number)
	require.Equal(t, 2, remote.Len(), "one signing a call")
	r = app.json("/api/v1/applications/"+id+"/sign", "sign-1", map[string]any{}, &sent)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	require.Equal(t, 2, remote.Len(), "the replay asked the signer nothing")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status = 'received'`, id))
	r = app.json("/api/v1/applications/"+id+"/sign", "sign-2", map[string]any{}, nil)
	require.Equal(t, http.StatusConflict, r.status, "a second submission with another key: %s", r.body)

	// 7. Polled until the automatic mode issues the result.
	var st struct {
		Status   string `json:"status"`
		Timeline []struct {
			To string `json:"to"`
		} `json:"timeline"`
		Files []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"files"`
	}
	require.Eventually(t, func() bool {
		r := app.get("/api/v1/applications/"+id, &st)
		return r.status == http.StatusOK && st.Status == "issued"
	}, 3*time.Minute, 200*time.Millisecond, "still %s", st.Status)
	require.Equal(t, "issued", st.Timeline[len(st.Timeline)-1].To, strconv.Itoa(len(st.Timeline)))

	// 8. The sealed result among the documents: its PDF and seal download,
	// and the seal verifies with the city's trust list.
	var docs struct {
		Items []struct {
			ID            string `json:"id"`
			ApplicationID string `json:"application_id"`
			Number        string `json:"number"`
			SHA256        string `json:"sha256"`
			PDF           string `json:"pdf"`
			Signature     string `json:"signature"`
			VerifyURL     string `json:"verify_url"`
		} `json:"items"`
	}
	r = app.get("/api/v1/documents", &docs)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Len(t, docs.Items, 1)
	doc := docs.Items[0]
	require.Equal(t, id, doc.ApplicationID)
	require.Equal(t, sent.Number, doc.Number)
	pdf := app.get(doc.PDF, nil)
	require.Equal(t, http.StatusOK, pdf.status, pdf.body)
	require.Equal(t, "application/pdf", pdf.header.Get("Content-Type"))
	sum := sha256.Sum256([]byte(pdf.body))
	require.Equal(t, doc.SHA256, hex.EncodeToString(sum[:]))
	p7s := app.get(doc.Signature, nil)
	require.Equal(t, http.StatusOK, p7s.status, p7s.body)
	_, err = signature.VerifyDetached([]byte(pdf.body), []byte(p7s.body), signature.VerifyOptions{Roots: e.devCA().Pool(), Seal: true})
	require.NoError(t, err, "the seal verifies")
	// A copy the app holds is answered 304 without a body; the file's tag
	// is its recorded SHA-256, the signature's its own.
	tag := pdf.header.Get("ETag")
	require.Equal(t, `"`+doc.SHA256+`"`, tag)
	r = app.revalidate(doc.PDF, tag)
	require.Equal(t, http.StatusNotModified, r.status)
	require.Empty(t, r.body)
	require.Equal(t, tag, r.header.Get("ETag"))
	require.NotEqual(t, tag, p7s.header.Get("ETag"))
	require.Equal(t, http.StatusNotModified, app.revalidate(doc.Signature, p7s.header.Get("ETag")).status)
	require.Equal(t, http.StatusOK, app.revalidate(doc.PDF, `"stale"`).status, "a stale tag gets the file")

	// Another resident: not in their list, 404 on the files.
	r = stranger.get("/api/v1/documents", nil)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.NotContains(t, r.body, doc.ID)
	require.Equal(t, http.StatusNotFound, stranger.get(doc.PDF, nil).status)
	require.Equal(t, http.StatusNotFound, stranger.get(doc.Signature, nil).status)
	require.Equal(t, http.StatusNotFound, stranger.revalidate(doc.PDF, tag).status, "knowing the tag shows another's document no more than not knowing it")

	// 9. Its QR code verifies offline: the city's seal keys fetched once
	// (no token), then nothing but them. The code's text is in the PDF's
	// XMP as well as in the image.
	var keys documents.SealKeys
	r = anon.get("/.well-known/hromada-seals.json", &keys)
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.NotEmpty(t, keys.Keys)
	m := regexp.MustCompile(`<hromada:qr>([^<]+)</hromada:qr>`).FindStringSubmatch(pdf.body)
	require.NotNil(t, m, "the QR code's text in the PDF")
	qr := html.UnescapeString(m[1])
	claims, seal, err := documents.VerifyQR(qr, keys)
	require.NoError(t, err)
	require.Equal(t, doc.ID, claims.Document)
	require.Equal(t, sent.Number, claims.Number)
	require.True(t, strings.HasSuffix(claims.URL, doc.VerifyURL), claims.URL)
	require.Equal(t, time.Now().In(tenant.Zone).Format(time.DateOnly), claims.Issued)
	require.Equal(t, "active", seal.Status)
	forged := strings.Replace(qr, ".", "x.", 1)
	_, _, err = documents.VerifyQR(forged, keys)
	require.Error(t, err, "a changed code does not verify")
	// 10. Its visual form for a phone: a PNG card with the very code.
	card := app.get("/api/v1/documents/"+doc.ID+"/card.png", nil)
	require.Equal(t, http.StatusOK, card.status, card.body)
	require.Equal(t, "image/png", card.header.Get("Content-Type"))
	img, err := png.Decode(strings.NewReader(card.body))
	require.NoError(t, err)
	require.Equal(t, 1080, img.Bounds().Dx())
	saveShot(t, "cityapi-document-card.png", []byte(card.body))
	require.Equal(t, http.StatusNotModified, app.revalidate("/api/v1/documents/"+doc.ID+"/card.png", card.header.Get("ETag")).status)
	require.Equal(t, http.StatusNotFound, stranger.get("/api/v1/documents/"+doc.ID+"/card.png", nil).status)

	// The online verification page stays, at the code's address.
	v := get(t, e.ta.client(t), claims.URL)
	require.Equal(t, http.StatusOK, v.status)
	require.Contains(t, appsText(v), "Документ справжній")
}

// signThrough calls POST …/sign, which blocks while the remote signer
// waits for the person, and answers for them in their app (approve or
// refuse) once the request reaches it.
func signThrough(t *testing.T, app *cityClient, remote *signtest.Server, id, key string, approve bool) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, app.e.u("/api/v1/applications/"+id+"/sign"), strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+app.token)
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("Accept-Language", "uk")
	type answer struct {
		r   response
		err error
	}
	done := make(chan answer, 1)
	c := app.e.ta.client(t)
	go func() {
		res, err := c.Do(req)
		if err != nil {
			done <- answer{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		done <- answer{r: response{status: res.StatusCode, header: res.Header, body: string(b)}, err: err}
	}()
	require.Eventually(t, func() bool { return len(remote.Pending()) == 1 }, time.Minute, 20*time.Millisecond)
	if approve {
		require.NoError(t, remote.Approve(remote.Pending()[0]))
	} else {
		require.NoError(t, remote.Reject(remote.Pending()[0]))
	}
	a := <-done
	require.NoError(t, a.err)
	return a.r
}

// saveShot keeps b in testdata/screenshots to look at.
func saveShot(t *testing.T, name string, b []byte) {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
}

// TestCityAppSubmitOwnSignature: a draft submitted through the API with a
// detached signature the person made with their own tool over the
// canonical bytes; the same request again submits nothing more, and a
// signature of the bytes before a change is refused as the page refuses it.
func TestCityAppSubmitOwnSignature(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	resident := appsPersona(t, "resident")
	tk, _ := appSignIn(t, e, e.as(appsKyiv, "resident"), "applications")
	app := &cityClient{t: t, e: e, token: tk.AccessToken}

	var d struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Number string `json:"number"`
	}
	require.Equal(t, http.StatusCreated, app.json("/api/v1/applications", "start", map[string]string{"service_code": "KY-0003"}, &d).status)
	id := d.ID
	r := app.json("/api/v1/applications/"+id+"/steps/0", "s0", map[string]any{"values": appsApplicantStep(resident), "next": true}, nil)
	require.Equal(t, http.StatusOK, r.status, r.body)
	step1 := func(purpose, key string) {
		r := app.json("/api/v1/applications/"+id+"/steps/1", key, map[string]any{"values": url.Values{"katottg": {"UA80000000000093317"},
			"address": {"вул. Січових Стрільців, 21, кв. 14"}, "persons": {"4"}, "purpose": {purpose}}, "next": true}, nil)
		require.Equal(t, http.StatusOK, r.status, r.body)
	}
	step1("bank", "s1")
	cert, key, err := e.devCA().Issue(resident.RNOKPP, resident.FullName())
	require.NoError(t, err)
	before := app.get("/api/v1/applications/"+id+"/canonical", nil)
	require.Equal(t, http.StatusOK, before.status)
	stale, err := signature.SignDetached([]byte(before.body), cert, key)
	require.NoError(t, err)

	// The draft changed after signing: the signature is of other bytes.
	step1("other", "s1-b")
	r = app.multipart("/api/v1/applications/"+id+"/submit", "p7s-stale", nil, "signature", "zaiava.json.p7s", stale)
	require.Equal(t, http.StatusBadRequest, r.status, r.body)
	require.Equal(t, "signature", problemOf(t, r).Errors[0].Field)
	require.Equal(t, "draft", e.row(id).Status)

	now := app.get("/api/v1/applications/"+id+"/canonical", nil)
	cms, err := signature.SignDetached([]byte(now.body), cert, key)
	require.NoError(t, err)
	for range 2 {
		r = app.multipart("/api/v1/applications/"+id+"/submit", "p7s-1", nil, "signature", "zaiava.json.p7s", cms)
		require.Equal(t, http.StatusOK, r.status, r.body)
		require.NoError(t, json.Unmarshal([]byte(r.body), &d))
	}
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	require.NotEmpty(t, d.Number)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM application_events WHERE application_id = $1 AND to_status = 'received'`, id))
	r = app.multipart("/api/v1/applications/"+id+"/submit", "p7s-2", nil, "signature", "zaiava.json.p7s", cms)
	require.Equal(t, http.StatusConflict, r.status, "submitted already: %s", r.body)
}
