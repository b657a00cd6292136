package monitoring_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents"
	"hromada/modules/identity"
	"hromada/modules/monitoring"
	"hromada/modules/monitoring/nationalsim"
	"hromada/modules/signature"
	"hromada/tenant"
)

// clientCertificate is a city's TLS client certificate issued by a CA of
// its own, and that CA's pool (what the receiver trusts).
func clientCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Тестовий ЦСК обміну"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "hromada-kyiv"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, key.Public(), caKey)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestNationalExchange(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed(t)
	_, err := e.svc.Rollup(e.ctx)
	require.NoError(t, err)

	r := newRig(t, e)
	sim, client, sealer, seals := r.sim, r.client, r.sealer, r.seals
	srv := r.srv

	// Monday 9 March 2026, 10:00: the seeded week (2–8 March) is the
	// days to exchange.
	now := time.Date(2026, 3, 9, 10, 0, 0, 0, tenant.Zone)
	svc := monitoring.New(monitoring.Options{DB: e.db.App, Now: func() time.Time { return now }, Seals: sealer,
		National: &monitoring.National{URL: srv.URL + "/messages", Client: client}})
	ids, err := svc.Exchange(e.ctx)
	require.NoError(t, err)

	// One message per provider and day with activity, counted another way.
	want := e.count(t, `SELECT count(*) FROM (
		SELECT day, provider_id FROM monitoring_service_days WHERE day BETWEEN '2026-03-02' AND '2026-03-08'
		UNION SELECT c.day, s.provider_id FROM monitoring_centre_days c JOIN services s ON s.id = c.service_id
		WHERE c.day BETWEEN '2026-03-02' AND '2026-03-08') x`)
	require.Len(t, ids, want)
	again, err := svc.Exchange(e.ctx)
	require.NoError(t, err)
	require.Empty(t, again, "a day is built once")

	// The receiver is down: every delivery fails, is recorded, and nothing
	// is lost.
	sim.Down.Store(true)
	for _, id := range ids {
		require.Error(t, svc.Send(e.ctx, id))
	}
	require.Empty(t, sim.Received())
	require.Equal(t, want, e.count(t, `SELECT count(*) FROM national_messages WHERE status = 'pending' AND attempts = 1 AND last_error LIKE '%503%'`))

	// Back up: each goes once; one whose receipt was lost on the way back
	// (delivered, not recorded) goes again and is counted once.
	sim.Down.Store(false)
	lost, err := svc.Deliver(e.ctx, ids[0])
	require.NoError(t, err)
	for _, id := range ids {
		require.NoError(t, svc.Send(e.ctx, id))
	}
	posts := sim.Posts()
	for _, id := range ids {
		require.NoError(t, svc.Send(e.ctx, id), "a message sent is not posted again")
	}
	require.Equal(t, posts, sim.Posts())
	got := sim.Received()
	require.Len(t, got, want, "every message arrived, none twice")
	require.Equal(t, 2, got[ids[0]].Times, "the lost receipt's message was delivered twice and counted once")
	require.Equal(t, lost.ReceiptID, got[ids[0]].Receipt.ReceiptID)
	require.Empty(t, sim.Refusals(), "every signature and body was accepted")
	require.Equal(t, want, e.count(t, `SELECT count(*) FROM national_messages WHERE status = 'sent' AND receipt <> '' AND sent_at IS NOT NULL`))

	// Each message is signed by its provider's seal, and the centres'
	// ratings went with them, and the services' results' ratings.
	var rated, results int64
	for _, r := range got {
		var provider uuid.UUID
		for id, s := range seals {
			if r.Signer.Equal(s.Certificate) {
				provider = id
			}
		}
		require.NotEqual(t, uuid.Nil, provider, "%s: signed by a provider's seal", r.Day.MessageID)
		require.Equal(t, e.ids[r.Day.Provider.Code], provider, "%s: by its own provider's", r.Day.MessageID)
		for _, c := range r.Day.Centres {
			rated += c.Ratings[0] + c.Ratings[1] + c.Ratings[2] + c.Ratings[3]
		}
		for _, sv := range r.Day.Services {
			results += sv.Ratings[0] + sv.Ratings[1] + sv.Ratings[2] + sv.Ratings[3]
		}
	}
	require.EqualValues(t, e.count(t, `SELECT count(*) FROM visit_ratings WHERE timezone('Europe/Kyiv', created_at)::date BETWEEN '2026-03-02' AND '2026-03-08'`), rated)
	require.EqualValues(t, e.count(t, `SELECT count(*) FROM result_ratings WHERE timezone('Europe/Kyiv', created_at)::date BETWEEN '2026-03-02' AND '2026-03-08'`), results,
		"the results' ratings went with the services' days")
	require.Positive(t, results)

	// Without the client certificate the receiver refuses the connection.
	bare := monitoring.New(monitoring.Options{DB: e.db.App, Now: func() time.Time { return now }, Seals: sealer,
		National: &monitoring.National{URL: srv.URL + "/messages", Client: &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: client.Transport.(*http.Transport).TLSClientConfig.RootCAs, MinVersion: tls.VersionTLS12}}}}})
	e.exec(t, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE national_messages SET status = 'pending' WHERE id = $1`, ids[1])
		return err
	})
	require.Error(t, bare.Send(e.ctx, ids[1]))
}

// rig is the national exchange's test bench: the providers' seals from a
// development CA the receiver trusts, and the receiver itself over HTTPS
// that requires a client certificate of the city's CA.
type rig struct {
	sim    *nationalsim.Simulator
	srv    *httptest.Server
	client *http.Client
	sealer *identity.Sealer
	seals  map[uuid.UUID]*documents.ProviderSeal
}

func newRig(t *testing.T, e *env) *rig {
	t.Helper()
	// The providers' seals, from a development CA the receiver trusts.
	sealer, err := identity.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	sealCA, err := signature.NewDevCA("Тестовий ЦСК печаток")
	require.NoError(t, err)
	seals := map[uuid.UUID]*documents.ProviderSeal{}
	e.exec(t, func(ctx context.Context, tx pgx.Tx) error {
		for _, p := range []string{"p-1", "p-2"} {
			s, err := documents.EnsureSeal(ctx, tx, sealer, sealCA, e.ids[p], "")
			if err != nil {
				return err
			}
			seals[e.ids[p]] = s
		}
		return nil
	})

	// The receiver: HTTPS that requires a client certificate of the
	// city's CA.
	sim := nationalsim.New(sealCA.Pool())
	cert, clientCAs := clientCertificate(t)
	srv := httptest.NewUnstartedServer(sim)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.Transport.(*http.Transport).TLSClientConfig.Certificates = []tls.Certificate{cert}
	return &rig{sim: sim, srv: srv, client: client, sealer: sealer, seals: seals}
}
