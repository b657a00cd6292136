package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/signature"
	"hromada/modules/signature/signtest"
)

// Signing online through a remote signature provider of the Diia.Sign
// shape: the server sends the hash, the person confirms in their app, the
// CMS comes back and is verified like any other; a refusal in the app
// leaves the draft a draft with the reason on the page.
func TestApplicationsRemoteSigner(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	remote := signtest.NewServer(e.devCA(), "token-of-the-city")
	srv := httptest.NewServer(remote)
	defer srv.Close()
	e.ta.apps.Signer = &signature.Remote{BaseURL: srv.URL, Token: "token-of-the-city", PollInterval: 20 * time.Millisecond}

	c := e.as(appsKyiv, "resident")
	resident := appsPersona(t, "resident")
	// The person's own key in the app: a certificate in their name.
	remote.Names = map[string]string{resident.RNOKPP: resident.FullName()}

	// The person refuses in the app.
	id := e.start(c, "KY-0001")
	e.fillResidence(c, id, resident)
	key := e.reviewKey(c, id)
	done := make(chan response, 1)
	go func() { done <- e.signOnline(c, id, key) }()
	require.Eventually(t, func() bool { return len(remote.Pending()) == 1 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, remote.Reject(remote.Pending()[0]))
	r := <-done
	require.Equal(t, http.StatusBadRequest, r.status, appsText(r))
	require.Contains(t, appsText(r), "Підпис не прийнято")
	require.Equal(t, "draft", e.row(id).Status)

	// Confirmed in the app: submitted.
	go func() { done <- e.signOnline(c, id, key) }()
	require.Eventually(t, func() bool { return len(remote.Pending()) == 1 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, remote.Approve(remote.Pending()[0]))
	r = <-done
	require.Equal(t, http.StatusSeeOther, r.status, appsText(r))
	require.Equal(t, "received", e.row(id).Status)
	require.Equal(t, 2, remote.Len(), "one request per attempt")
}
