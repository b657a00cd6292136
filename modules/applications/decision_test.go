package applications_test

import (
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/documents/doctest"
	"hromada/modules/signature"
	"hromada/modules/signature/signtest"
)

// decided is an application of r1 taken and decided by the official.
func (e *env) decided(t *testing.T, approve bool) *applications.Application {
	t.Helper()
	app := e.submitted(t, e.o1, e.r1, "T-1")
	require.NoError(t, e.svc.Take(e.ctx, e.staff, app.ID))
	grounds := ""
	if !approve {
		grounds = refusalGround
	}
	require.NoError(t, e.svc.Decide(e.ctx, e.staff, app.ID, approve, grounds, ""))
	return app
}

// remote points the service's signer at a remote signer (the Diia.Sign
// shape) issuing from the city's CA, approving every request.
func (e *env) remote(t *testing.T, token string) *signtest.Server {
	t.Helper()
	srv := signtest.NewServer(e.ca, "token") // the partner token the signer expects
	srv.AutoApprove = true
	srv.Names = map[string]string{rnokppO: nameO}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	e.svc.Signer = &signature.Remote{BaseURL: hs.URL, Token: token, PollInterval: 5 * time.Millisecond}
	return srv
}

// TestIssueThroughRemoteSigner: where a remote signer is configured, the
// official signs the decision there, as residents sign — the PDF inside,
// its .p7s and the data record — and the outside tools accept the PDF.
func TestIssueThroughRemoteSigner(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.decided(t, true)
	srv := e.remote(t, "token")
	require.NoError(t, e.svc.Issue(e.ctx, e.staff, app.ID, nil, nil, ""))
	require.Equal(t, 3, srv.Len(), "the PDF's signature, its .p7s and the data record's")
	got, _, files, _, err := e.svc.View(e.ctx, e.staff, app.ID)
	require.NoError(t, err)
	require.Equal(t, applications.Granted, got.Shown())
	byKind := map[string]applications.File{}
	for _, f := range files {
		byKind[f.Kind] = f
	}
	pdf := e.staffFile(t, app.ID, byKind["decision"])
	doctest.RequireSigned(t, pdf, e.staffFile(t, app.ID, byKind["decision_signature"]), e.ca.Certificate)
	text := doctest.Text(t, pdf)
	require.Contains(t, text, "Рішення про надання адміністративної послуги")
	require.NotContains(t, text, "Порядок оскарження", "an approval has nothing to appeal")
}

// TestIssueRefusedSignatureChangesNothing: a signer that fails leaves the
// application decided, with no files and no issued document.
func TestIssueRefusedSignatureChangesNothing(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.decided(t, false)
	e.remote(t, "wrong-token")
	require.ErrorIs(t, e.svc.Issue(e.ctx, e.staff, app.ID, nil, nil, ""), applications.ErrSignature)
	require.Equal(t, applications.Refused, e.status(t, e.o1, app.ID))
	require.Zero(t, e.count(t, `SELECT count(*) FROM application_files WHERE application_id = $1 AND kind <> 'attachment'`, app.ID))
	require.Zero(t, e.count(t, `SELECT count(*) FROM issued_documents WHERE application_id = $1`, app.ID))
}

// TestIssueTwiceAtOnce: two submits of the same issue record one decision.
func TestIssueTwiceAtOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.decided(t, false)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.svc.Issue(e.ctx, e.staff, app.ID, nil, nil, "")
		}()
	}
	wg.Wait()
	var ok int
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			require.ErrorIs(t, err, applications.ErrTransition)
		}
	}
	require.Equal(t, 1, ok)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM issued_documents WHERE application_id = $1`, app.ID))
	require.Equal(t, 4, e.count(t, `SELECT count(*) FROM application_files WHERE application_id = $1 AND kind LIKE 'decision%'`, app.ID))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM notifications WHERE application_id = $1 AND key = 'notify.denied'`, app.ID))

	// The cabinet puts it first, with the PDF to download.
	c, err := e.svc.Cabinet(e.ctx, e.o1, e.r1)
	require.NoError(t, err)
	require.Len(t, c.Ready, 1)
	require.Equal(t, app.ID, c.Ready[0].App.ID)
	require.Equal(t, applications.Denied, c.Ready[0].App.Shown())
	require.Equal(t, "Рішення про відмову в наданні адміністративної послуги", c.Ready[0].Title)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM application_files WHERE id = $1 AND kind = 'decision' AND content_type = 'application/pdf'`, c.Ready[0].PDF))
	other, err := e.svc.Cabinet(e.ctx, e.o2, e.r2)
	require.NoError(t, err)
	require.Empty(t, other.Ready, "another resident's cabinet")
}
