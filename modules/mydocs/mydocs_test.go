package mydocs_test

import (
	"bytes"
	"context"
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
