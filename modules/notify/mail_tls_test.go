package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

const (
	smtpUser     = "hromada"
	smtpPassword = "S3cret-relay-Pa55"
)

// TestSMTPStartTLSAndAuth: against a Mailpit that requires STARTTLS and
// knows one user, the sender verifies the relay's certificate (a test CA,
// trusted through Mail.RootCAs), authenticates over TLS, and the message
// arrives DKIM-signed. What crossed the wire before TLS is read: the
// credentials, the AUTH command and the addresses never did.
func TestSMTPStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	pool, cert, key := testCA(t)
	mp := tenanttest.Mailpit(t, &tenanttest.MailpitOptions{TLSCert: cert, TLSKey: key, Users: map[string]string{smtpUser: smtpPassword}})
	port, clear := recordingRelay(t, mp)
	e := setup(t, envOpts{mail: &notify.Mail{Host: "127.0.0.1", Port: port, StartTLS: true, Username: smtpUser, Password: smtpPassword, RootCAs: pool}})

	e.confirm(t, notify.Email, "olena@example.org", func() string { text, _, _ := partsOf(t, newest(t, mp, 1)); return text })
	id := e.post(t, notify.KindResult, "notify.approved", "2026-000010")
	d := e.settled(t, id, notify.Email)
	require.Equal(t, notify.Delivered, d.Status)
	require.Equal(t, 1, d.Attempts)
	require.Empty(t, d.LastError)
	raw := newest(t, mp, 2)
	verifyDKIM(t, e, raw)
	text, _, h := partsOf(t, raw)
	require.Equal(t, "olena@example.org", h.Get("To"))
	require.Contains(t, text, "Є рішення за заявою № 2026-000010.")

	sent := clear()
	require.Contains(t, sent, "STARTTLS\r\n", "it asked for TLS")
	for _, secret := range []string{"AUTH", smtpPassword, plainToken(smtpUser, smtpPassword), "olena@example.org", "MAIL FROM"} {
		require.NotContains(t, sent, secret, "nothing but EHLO and STARTTLS goes in the clear")
	}
}

// TestSMTPWrongPasswordIsPermanent: a relay that refuses the credentials
// (535) refuses every message alike, so the delivery fails for good at
// once, with the reason where the administrator reads failures and the
// status in the person's cabinet.
func TestSMTPWrongPasswordIsPermanent(t *testing.T) {
	t.Parallel()
	pool, cert, key := testCA(t)
	mp := tenanttest.Mailpit(t, &tenanttest.MailpitOptions{TLSCert: cert, TLSKey: key, Users: map[string]string{smtpUser: smtpPassword}})
	e := setup(t, envOpts{mail: &notify.Mail{Host: mp.SMTPHost, Port: mp.SMTPPort, StartTLS: true, Username: smtpUser, Password: "not-the-password", RootCAs: pool}})

	require.NoError(t, e.svc.SetAddress(e.ctx, e.account, notify.Email, "olena@example.org"))
	notice := codeNotice(t, e)
	d := e.settled(t, notice, notify.Email)
	require.Equal(t, notify.Permanent, d.Status)
	require.Equal(t, 1, d.Attempts, "a refusal is not retried")
	require.Contains(t, d.LastError, "smtp 535 at AUTH")
	require.Empty(t, mp.Messages(t))

	ov, err := e.svc.Overview(e.ctx)
	require.NoError(t, err)
	require.Equal(t, "failed", ov.Lists[0].ID)
	require.Len(t, ov.Lists[0].Rows, 1)
	row := ov.Lists[0].Rows[0]
	require.Equal(t, d.ID, row.ID)
	require.Equal(t, notify.Permanent, row.Status)
	require.Contains(t, row.LastError, "smtp 535 at AUTH")
	require.NotContains(t, row.LastError, "not-the-password")

	inbox, err := e.svc.Inbox(e.ctx, e.account)
	require.NoError(t, err)
	require.Len(t, inbox, 1)
	require.Equal(t, notify.Permanent, inbox[0].Deliveries[0].Status)
}

// TestSMTPNeverSendsCredentialsInTheClear: when TLS cannot be had — a
// relay that offers no STARTTLS (though it would take AUTH PLAIN in the
// clear) or a certificate the sender does not trust — the sender says
// nothing after EHLO. It is a temporary failure (the relay's
// configuration or the network, a STARTTLS-stripping attacker included,
// not the message: once fixed, the retries go out), so it is retried
// with back-off and fails for good only when out of attempts, with the
// reason recorded. Credentials with STARTTLS switched off are refused at
// start, and by Mail.Send itself.
func TestSMTPNeverSendsCredentialsInTheClear(t *testing.T) {
	t.Parallel()
	pool, cert, key := testCA(t)
	for _, tc := range []struct {
		name   string
		opts   tenanttest.MailpitOptions
		roots  *x509.CertPool
		reason string
	}{
		{"NoSTARTTLSOffered", tenanttest.MailpitOptions{Users: map[string]string{smtpUser: smtpPassword}}, pool, "does not offer STARTTLS"},
		{"UntrustedCertificate", tenanttest.MailpitOptions{TLSCert: cert, TLSKey: key, Users: map[string]string{smtpUser: smtpPassword}}, nil, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mp := tenanttest.Mailpit(t, &tc.opts)
			port, clear := recordingRelay(t, mp)
			e := setup(t, envOpts{mail: &notify.Mail{Host: "127.0.0.1", Port: port, StartTLS: true, Username: smtpUser, Password: smtpPassword, RootCAs: tc.roots}})
			require.NoError(t, e.svc.SetAddress(e.ctx, e.account, notify.Email, "olena@example.org"))
			d := e.settled(t, codeNotice(t, e), notify.Email)
			require.Equal(t, notify.Permanent, d.Status)
			require.Equal(t, notify.MaxAttempts, d.Attempts, "tried again until out of attempts")
			require.Contains(t, d.LastError, itoa(notify.MaxAttempts)+" attempts")
			require.Contains(t, d.LastError, tc.reason)
			require.Empty(t, mp.Messages(t))
			sent := clear()
			require.Contains(t, sent, "EHLO ", "the relay was reached")
			for _, secret := range []string{"AUTH", smtpPassword, plainToken(smtpUser, smtpPassword), "MAIL FROM"} {
				require.NotContains(t, sent, secret)
			}
		})
	}
	t.Run("STARTTLSOff", func(t *testing.T) {
		t.Parallel()
		// Without the check, net/smtp would send PLAIN to 127.0.0.1 in
		// the clear, and this Mailpit would take it.
		mp := tenanttest.Mailpit(t, &tenanttest.MailpitOptions{Users: map[string]string{smtpUser: smtpPassword}})
		port, clear := recordingRelay(t, mp)
		m := &notify.Mail{Host: "127.0.0.1", Port: port, Username: smtpUser, Password: smtpPassword}
		err := m.Send(t.Context(), "noreply@example.org", "olena@example.org", []byte("Subject: x\r\n\r\nx\r\n"))
		require.ErrorIs(t, err, notify.ErrNoTLSForAuth)
		require.NotErrorIs(t, err, notify.ErrPermanent)
		require.Contains(t, clear(), "EHLO ")
		require.NotContains(t, clear(), "AUTH")
		require.Empty(t, mp.Messages(t))

		_, err = notify.New(notify.Options{DB: tenanttest.New(t).App, Log: slog.New(slog.DiscardHandler), Mail: m,
			Insert: func(context.Context, pgx.Tx, tenant.JobArgs) error { return nil }, PortalURL: func(*tenant.Tenant) string { return "" }})
		require.ErrorContains(t, err, "never sent in the clear")
	})
}

// TestSMTPTemporaryFailureIsRetried: the relay answers 451 (Mailpit's
// chaos trigger at RCPT TO); the delivery is a temporary failure, shown so
// in the cabinet, its job waits out the back-off in River, and once the
// relay takes mail again it is delivered, exactly once.
func TestSMTPTemporaryFailureIsRetried(t *testing.T) {
	t.Parallel()
	mp := tenanttest.Mailpit(t, &tenanttest.MailpitOptions{Chaos: true})
	mp.SetChaos(t, tenanttest.Chaos{Recipient: tenanttest.ChaosTrigger{ErrorCode: 451, Probability: 100}})
	const backoff = 4 * time.Second
	e := setup(t, envOpts{mail: mailTo(mp), retryAfter: func(int) time.Duration { return backoff }})
	require.NoError(t, e.svc.SetAddress(e.ctx, e.account, notify.Email, "olena@example.org"))
	notice := codeNotice(t, e)

	// The first attempt fails for now, and River holds the job back.
	var (
		status, lastError string
		attempts          int
		state             string
		wait              time.Duration
	)
	// River keeps a retry due within its scheduler's interval
	// "available" rather than "retryable": either way, scheduled later.
	require.Eventually(t, func() bool {
		err := e.db.Owner.QueryRow(t.Context(), `SELECT state, scheduled_at - attempted_at FROM river_job WHERE kind = 'notify.deliver' AND attempt = 1`).Scan(&state, &wait)
		return err == nil && (state == "retryable" || state == "available")
	}, time.Minute, 20*time.Millisecond)
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		return tx.QueryRow(ctx, `SELECT status, attempts, last_error FROM notify_deliveries WHERE notification_id = $1`, notice).Scan(&status, &attempts, &lastError)
	}))
	require.Equal(t, string(notify.Temporary), status)
	require.Equal(t, 1, attempts)
	require.Contains(t, lastError, "451")
	require.GreaterOrEqual(t, wait, backoff-time.Second, "the retry waits out the back-off")
	inbox, err := e.svc.Inbox(e.ctx, e.account)
	require.NoError(t, err)
	require.Equal(t, notify.Temporary, inbox[0].Deliveries[0].Status)
	require.Empty(t, mp.Messages(t))

	// The relay recovers before the retry: the retry delivers.
	mp.SetChaos(t, tenanttest.Chaos{})
	d := e.settled(t, notice, notify.Email)
	require.Equal(t, notify.Delivered, d.Status)
	require.GreaterOrEqual(t, d.Attempts, 2)
	require.Empty(t, d.LastError)
	waitJobsDone(t, e)
	ms := mp.Messages(t)
	require.Len(t, ms, 1, "delivered exactly once")
	require.Equal(t, "olena@example.org", ms[0].To[0].Address)
}

// codeNotice is the notice of the confirmation code sent by SetAddress.
func codeNotice(t *testing.T, e *env) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		return tx.QueryRow(ctx, `SELECT id FROM notifications WHERE key = 'notify.code_sent'`).Scan(&id)
	}))
	return id
}

// verifyDKIM checks raw's one DKIM signature against the city's published
// key.
func verifyDKIM(t *testing.T, e *env, raw []byte) {
	t.Helper()
	snd, err := e.svc.Sender(e.ctx)
	require.NoError(t, err)
	name, record, err := snd.DNSRecord()
	require.NoError(t, err)
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
		if domain != name {
			return nil, &net.DNSError{Err: "no such host", Name: domain, IsNotFound: true}
		}
		return []string{record}, nil
	}})
	require.NoError(t, err)
	require.Len(t, vs, 1)
	require.NoError(t, vs[0].Err)
	require.Equal(t, e.tn.Slug+".localhost", vs[0].Domain)
}

// plainToken is what AUTH PLAIN sends for user and password.
func plainToken(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
}

// testCA makes a CA the client is told to trust and a certificate it
// issued for 127.0.0.1, and returns the pool and the server's PEM files.
func testCA(t *testing.T) (pool *x509.CertPool, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Hromada test SMTP CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "smtp.crt"), filepath.Join(dir, "smtp.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	pool = x509.NewCertPool()
	pool.AddCert(ca)
	return pool, certFile, keyFile
}

// recordingRelay is a TCP relay in front of mp that keeps what clients
// send; clear returns it so far (after STARTTLS, only ciphertext).
func recordingRelay(t *testing.T, mp *tenanttest.MailpitServer) (port int, clear func() string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	var (
		mu  sync.Mutex
		buf bytes.Buffer
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", net.JoinHostPort(mp.SMTPHost, itoa(mp.SMTPPort)))
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(c, up) }()
				_, _ = io.Copy(up, io.TeeReader(c, writerFunc(func(p []byte) (int, error) {
					mu.Lock()
					defer mu.Unlock()
					return buf.Write(p)
				})))
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
