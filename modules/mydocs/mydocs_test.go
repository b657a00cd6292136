package mydocs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/docstore"
	"hromada/modules/identity"
	"hromada/modules/mydocs"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

var pdf = []byte("%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[]/Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")

func keys(t *testing.T, err error) map[string]string {
	t.Helper()
	var errs mydocs.FieldErrors
	require.True(t, errors.As(err, &errs), "%v", err)
	out := map[string]string{}
	for f, e := range errs {
		out[f] = e.Key
	}
	return out
}

// Uploads and consents refuse what is wrong, naming the field, and store
// nothing; a form sent twice keeps one document; a consent names only the
// person's own documents; deleting removes the file.
func TestUploadAndConsentRules(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	ctx := tenant.With(t.Context(), tn)
	store, err := docstore.OpenDir(t.TempDir())
	require.NoError(t, err)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	svc := mydocs.New(db.App, store, nil, func() time.Time { return now })
	person := func(name string) (context.Context, uuid.UUID) {
		id := uuid.New()
		require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name) VALUES (app_tenant_id(), $1, $2, $3)`,
				id, fmt.Sprintf("%010d", rand.Int64N(1e10)), name)
			return err
		}))
		return identity.WithSigned(ctx, &identity.Signed{AccountID: id, FullName: name}), id
	}
	me, myID := person("Шевченко Олена")
	_, otherID := person("Інша Особа")
	provider := uuid.New()
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO providers (tenant_id, id, code, name_uk) VALUES (app_tenant_id(), $1, 'dcnap', 'ЦНАП')`, provider)
		return err
	}))

	_, err = svc.Upload(me, &mydocs.UploadForm{ID: uuid.NewString(), Kind: "diploma", Title: " ", ExpiresOn: "31.12.2030"}, "a.pdf", bytes.NewReader(pdf))
	require.Equal(t, map[string]string{"kind": "mydocs.error.kind", "title": "mydocs.error.title", "expires_on": "mydocs.error.expires"}, keys(t, err))
	_, err = svc.Upload(me, &mydocs.UploadForm{ID: uuid.NewString(), Kind: "passport", Title: "Паспорт"}, "a.pdf", bytes.NewReader([]byte("<html><script>x</script></html>")))
	require.Contains(t, keys(t, err), "file", "judged by its bytes")

	form := &mydocs.UploadForm{ID: uuid.NewString(), Kind: "passport", Title: "Паспорт", ExpiresOn: "2030-12-31"}
	d, err := svc.Upload(me, form, "pasport.pdf", bytes.NewReader(pdf))
	require.NoError(t, err)
	again, err := svc.Upload(me, form, "pasport.pdf", bytes.NewReader(pdf))
	require.NoError(t, err)
	require.Equal(t, d.ID, again.ID)
	c, err := svc.Mine(me, myID)
	require.NoError(t, err)
	require.Len(t, c.Documents, 1, "a double submit keeps one")
	_, b, err := svc.File(me, myID, d.ID)
	require.NoError(t, err)
	require.Equal(t, pdf, b)
	_, _, err = svc.File(me, otherID, d.ID)
	require.ErrorIs(t, err, mydocs.ErrNotFound, "another person's document is not found")

	err = svc.Grant(me, myID, mydocs.ConsentForm{Provider: "x", ValidUntil: "2026-12-03"})
	require.Equal(t, map[string]string{"provider": "mydocs.error.provider", "valid_until": "mydocs.error.until_past"}, keys(t, err))
	err = svc.Grant(me, otherID, mydocs.ConsentForm{Provider: provider.String(), Documents: []string{d.ID.String()}, ValidUntil: "2027-01-04"})
	require.Equal(t, map[string]string{"documents": "mydocs.error.documents"}, keys(t, err), "only one's own documents")
	require.NoError(t, svc.Grant(me, myID, mydocs.ConsentForm{Provider: provider.String(), Documents: []string{d.ID.String()}, ValidUntil: "2027-01-04"}))
	c, err = svc.Mine(me, myID)
	require.NoError(t, err)
	require.Len(t, c.Consents, 1)
	require.True(t, c.Consents[0].Active(c.Today))
	require.True(t, c.Consents[0].Covers(d.ID))
	require.False(t, c.Consents[0].Covers(uuid.New()))
	require.NoError(t, svc.Revoke(me, myID, c.Consents[0].ID))
	c, err = svc.Mine(me, myID)
	require.NoError(t, err)
	require.False(t, c.Consents[0].Active(c.Today))

	require.NoError(t, svc.Delete(me, myID, d.ID))
	_, err = store.Get(ctx, d.FileKey)
	require.ErrorIs(t, err, docstore.ErrNotFound, "the file is gone")
	c, err = svc.Mine(me, myID)
	require.NoError(t, err)
	require.Empty(t, c.Documents)
}

// webm is the start of a WebM video: an EBML header with DocType "webm".
var webm = []byte("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\x42\xF3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02\x18\x53\x80\x67\x01\x00\x00\x00\x00\x00\x00\x00")

// A result the city issued shows among the person's documents (kind
// "result"), downloadable, consentable and not deletable; an official of
// the application's provider opens a document without consent only naming
// a ground in law and the circumstances, both recorded and shown to the
// person; an official's opening of the copy the person attached is shown
// too, the person's own is not; a short video is kept as a video.
func TestResultsLawCopiesAndVideos(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	ctx := tenant.With(t.Context(), tn)
	store, err := docstore.OpenDir(t.TempDir())
	require.NoError(t, err)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	svc := mydocs.New(db.App, store, nil, func() time.Time { return now })
	account := func(name string) uuid.UUID {
		id := uuid.New()
		require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name) VALUES (app_tenant_id(), $1, $2, $3)`,
				id, fmt.Sprintf("%010d", rand.Int64N(1e10)), name)
			return err
		}))
		return id
	}
	myID, officialID := account("Шевченко Олена"), account("Коваль Петро")
	me := identity.WithSigned(ctx, &identity.Signed{AccountID: myID, FullName: "Шевченко Олена"})
	official := identity.WithSigned(ctx, &identity.Signed{AccountID: officialID, FullName: "Коваль Петро"})

	// An issued application of mine, its result's PDF among its files.
	resultPDF := append(append([]byte{}, pdf...), "% result\n"...)
	key := docstore.TenantKey(tn.ID, "applications/x/result.pdf")
	_, err = store.PutDocument(ctx, key, bytes.NewReader(resultPDF), int64(len(resultPDF)), docstore.Meta{ContentType: "application/pdf", Class: docstore.ClassResult})
	require.NoError(t, err)
	sum := sha256.Sum256(resultPDF)
	provider, service, form, app, issued := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO providers (tenant_id, id, code, name_uk) VALUES (app_tenant_id(), $1, 'dcnap', 'ЦНАП')`, []any{provider}},
			{`INSERT INTO services (tenant_id, id, code, provider_id, content) VALUES (app_tenant_id(), $1, 'KY-1', $2, '{}')`, []any{service, provider}},
			{`INSERT INTO service_forms (tenant_id, id, service_id, version, definition) VALUES (app_tenant_id(), $1, $2, 1, '{}')`, []any{form, service}},
			{`INSERT INTO applications (tenant_id, id, number, service_id, provider_id, form_id, applicant_id, status, decision, canonical, signature, signer_rnokpp, signed_at)
				VALUES (app_tenant_id(), $1, '2026-000001', $2, $3, $4, $5, 'issued', 'approved', 'c', 's', '3184710691', now())`, []any{app, service, provider, form, myID}},
			{`INSERT INTO application_files (tenant_id, id, application_id, kind, name, content_type, size, sha256, object_key)
				VALUES (app_tenant_id(), $1, $2, 'result', 'vytyah.pdf', 'application/pdf', $3, $4, $5)`, []any{uuid.New(), app, len(resultPDF), hex.EncodeToString(sum[:]), key}},
			{`INSERT INTO issued_documents (tenant_id, id, application_id, title, sha256, pdf_key, signature_key, signature_sha256, issuer)
				VALUES (app_tenant_id(), $1, $2, 'Витяг з реєстру', $3, $4, 'sig', 'sig', 'ЦНАП')`, []any{issued, app, hex.EncodeToString(sum[:]), key}},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return fmt.Errorf("%s: %w", q.sql, err)
			}
		}
		return nil
	}))

	c, err := svc.Mine(me, myID)
	require.NoError(t, err)
	require.Len(t, c.Documents, 1)
	res := c.Documents[0]
	require.Equal(t, issued, res.ID)
	require.Equal(t, mydocs.KindResult, res.Kind)
	require.True(t, res.Result())
	require.Equal(t, "Витяг з реєстру", res.Title)
	_, b, err := svc.File(me, myID, issued)
	require.NoError(t, err)
	require.Equal(t, resultPDF, b)
	require.ErrorIs(t, svc.Delete(me, myID, issued), mydocs.ErrResultKept, "an issued result stays")
	_, err = store.Get(ctx, key)
	require.NoError(t, err, "its file too")
	_, _, err = svc.File(me, officialID, issued)
	require.ErrorIs(t, err, mydocs.ErrNotFound, "it is the applicant's only")

	// Without consent: refused; by law, only naming the ground and the case.
	_, _, err = svc.Open(official, app, issued)
	require.ErrorIs(t, err, mydocs.ErrNoConsent)
	_, _, err = svc.OpenByLaw(official, app, issued, mydocs.LawForm{Ground: "whim", Note: " "})
	require.Equal(t, map[string]string{"legal_ground": "mydocs.error.legal_ground", "legal_note": "mydocs.error.legal_note"}, keys(t, err))
	_, b, err = svc.OpenByLaw(official, app, issued, mydocs.LawForm{Ground: "cpc_163", Note: "Ухвала слідчого судді № 757/1234/26"})
	require.NoError(t, err)
	require.Equal(t, resultPDF, b)
	_, _, err = svc.OpenByLaw(official, uuid.New(), issued, mydocs.LawForm{Ground: "cpc_163", Note: "x"})
	require.ErrorIs(t, err, mydocs.ErrNotFound)

	// A consent may name the result.
	require.NoError(t, svc.Grant(me, myID, mydocs.ConsentForm{Provider: provider.String(), Documents: []string{issued.String()}, ValidUntil: "2027-01-04"}))
	_, b, err = svc.Open(official, app, issued)
	require.NoError(t, err)
	require.Equal(t, resultPDF, b)

	// The copy of it the person attached to an application, opened by the
	// official; the person's own download of the copy is not a view.
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO document_views (tenant_id, id, document_id, account_id, viewer_id, viewer_name, application_id, ground, copy_key)
			VALUES (app_tenant_id(), $1, $2, $3, $3, 'Шевченко Олена', $4, 'attached', 'copy-key')`, uuid.New(), issued, myID, app)
		return err
	}))
	require.NoError(t, svc.CopyOpened(official, app, "copy-key"))
	require.NoError(t, svc.CopyOpened(me, app, "copy-key"))
	require.NoError(t, svc.CopyOpened(official, app, "another-file"))

	c, err = svc.Mine(me, myID)
	require.NoError(t, err)
	var grounds []string
	for _, v := range c.Views {
		grounds = append(grounds, v.Ground)
		require.Equal(t, "Витяг з реєстру", v.DocumentTitle)
		if v.Ground == "law" {
			require.Equal(t, "cpc_163", v.LegalGround)
			require.Equal(t, "Ухвала слідчого судді № 757/1234/26", v.LegalNote)
			require.Contains(t, v.Law(), "ст. 163–164")
			require.Equal(t, "Коваль Петро", v.ViewerName)
		}
	}
	require.ElementsMatch(t, []string{"refused", "law", "consent", "attached", "copy"}, grounds)

	// A short video.
	v, err := svc.Upload(me, &mydocs.UploadForm{ID: uuid.NewString(), Kind: "video", Title: "Відео пошкодження"}, "video.webm", bytes.NewReader(webm))
	require.NoError(t, err)
	require.Equal(t, "video/webm", v.ContentType)
	require.True(t, v.Video())
	_, err = svc.Upload(me, &mydocs.UploadForm{ID: uuid.NewString(), Kind: "video", Title: "Завелике"}, "big.pdf",
		bytes.NewReader(append(append([]byte{}, pdf...), bytes.Repeat([]byte("%"), 10<<20)...)))
	require.Contains(t, keys(t, err), "file", "a scan stays within 10 MB")
}
