package applications_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/signature"
)

// TestRemovedAnchorRefusesRememberedChain: the chains found to a city's
// trust list are remembered (signature.ChainCache) under the list's
// content, so once a CA is removed from the list, a certificate it issued
// whose chain was remembered is refused as untrusted — by the next read of
// the list (a service whose cached list is fresh), not a minute later.
func TestRemovedAnchorRefusesRememberedChain(t *testing.T) {
	t.Parallel()
	e := setup(t)
	other, err := signature.NewDevCA("Інший КНЕДП")
	require.NoError(t, err)
	require.NoError(t, e.exec(`INSERT INTO trust_anchors (tenant_id, id, name, certificate) VALUES (app_tenant_id(), $1, 'Інший КНЕДП', $2)`,
		uuid.New(), other.Certificate.Raw))
	cert, key, err := e.ca.Issue(rnokpp1, name1)
	require.NoError(t, err)
	submit := func(svc *applications.Service, code string) (*applications.Application, error) {
		app := e.draft(t, e.o1, e.r1, code)
		data, err := svc.Canonical(e.ctx, e.o1, app.ID)
		require.NoError(t, err)
		cms, err := signature.SignDetached(data, cert, key)
		require.NoError(t, err)
		got, _, err := svc.Submit(e.ctx, e.o1, e.r1, app.ID, uuid.NewString(), data, cms)
		if err != nil {
			require.Equal(t, applications.Draft, e.status(t, e.o1, app.ID), "the draft kept")
		}
		return got, err
	}

	got, err := submit(e.svc, "T-1")
	require.NoError(t, err)
	require.Equal(t, applications.Received, got.Status)

	require.NoError(t, e.exec(`DELETE FROM trust_anchors WHERE certificate = $1`, e.ca.Certificate.Raw))
	fresh := &applications.Service{DB: e.svc.DB, Docs: e.svc.Docs, Sealer: e.svc.Sealer, Now: e.svc.Now, Insert: e.svc.Insert,
		Notify: e.svc.Notify, Results: e.svc.Results, VerifyURL: e.svc.VerifyURL}
	_, err = submit(fresh, "T-2")
	require.ErrorIs(t, err, signature.ErrUntrusted)
	require.ErrorIs(t, err, applications.ErrSignatureUntrusted)
}
