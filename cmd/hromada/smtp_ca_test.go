package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// TestSMTPRelayWithPrivateCA: a city's relay whose certificate its own CA
// issued (STARTTLS required) takes the notices when HROMADA_SMTP_CA_FILE
// names that CA; without the setting the same relay's certificate is not
// trusted and nothing is sent; a file with no certificate in it stops the
// server at start, naming the setting.
func TestSMTPRelayWithPrivateCA(t *testing.T) {
	t.Parallel()
	caFile, certFile, keyFile := relayCertificates(t)
	mp := tenanttest.Mailpit(t, &tenanttest.MailpitOptions{TLSCert: certFile, TLSKey: keyFile})

	trusted := startApp(t, testAppOpts{mailpit: mp, smtpCA: caFile})
	d := codeByMail(t, trusted, "olena@example.org")
	require.Equal(t, notify.Delivered, d.Status, d.LastError)
	msgs := mp.Messages(t)
	require.Len(t, msgs, 1)
	require.Equal(t, "olena@example.org", msgs[0].To[0].Address)

	untrusted := startApp(t, testAppOpts{mailpit: mp, smtpCA: "-"})
	d = codeByMail(t, untrusted, "taras@example.org")
	require.Equal(t, notify.Temporary, d.Status)
	require.Contains(t, d.LastError, "certificate")
	require.Len(t, mp.Messages(t), 1, "nothing reached the relay's mailbox")

	empty := filepath.Join(t.TempDir(), "empty.pem")
	require.NoError(t, os.WriteFile(empty, []byte("not a certificate\n"), 0o600))
	db := tenanttest.New(t)
	cfg := testConfig(t, db, testAppOpts{mailpit: mp, smtpCA: empty})
	_, err := openApp(t.Context(), cfg, slog.New(slog.DiscardHandler), openOpts{Workers: true})
	require.ErrorContains(t, err, "HROMADA_SMTP_CA_FILE: no certificate in it")
}

// codeByMail asks for a confirmation code to address for an account of
// the demo's Kyiv and returns the code's e-mail delivery once its first
// attempt is over.
func codeByMail(t *testing.T, ta *testApp, address string) mailDelivery {
	t.Helper()
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	kyiv, err := tenant.BySlug(t.Context(), ta.db.App.Pool(), "kyiv")
	require.NoError(t, err)
	ctx := tenant.With(t.Context(), kyiv)
	var account uuid.UUID
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM accounts ORDER BY id LIMIT 1`).Scan(&account)
	}))
	require.NoError(t, ta.notify.SetAddress(ctx, account, notify.Email, address))
	var d mailDelivery
	require.Eventually(t, func() bool {
		err := ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT status, attempts, last_error FROM notify_deliveries
				WHERE channel = 'email' AND address = $1`, address).Scan(&d.Status, &d.Attempts, &d.LastError)
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return false
		}
		require.NoError(t, err)
		return d.Attempts > 0 && d.Status != notify.Sending
	}, 2*time.Minute, 100*time.Millisecond, "the code's e-mail was tried")
	return d
}

// mailDelivery is what a test reads of an e-mail delivery.
type mailDelivery struct {
	Status    notify.Status
	Attempts  int
	LastError string
}

// relayCertificates makes a private CA and the relay's certificate for
// 127.0.0.1 it issues, as PEM files.
func relayCertificates(t *testing.T) (caFile, certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
		return p
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Київ: мережа міськради"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err = x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "relay"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return write("ca.pem", "CERTIFICATE", caDER), write("relay.pem", "CERTIFICATE", leafDER), write("relay-key.pem", "PRIVATE KEY", keyDER)
}
