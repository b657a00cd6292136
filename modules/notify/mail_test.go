package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func mailTo(mp *tenanttest.MailpitServer) *notify.Mail {
	return &notify.Mail{Host: mp.SMTPHost, Port: mp.SMTPPort}
}

// newest waits for the n-th message in the Mailpit and returns its raw
// bytes.
func newest(t *testing.T, mp *tenanttest.MailpitServer, n int) []byte {
	t.Helper()
	for range 500 {
		if ms := mp.Messages(t); len(ms) >= n {
			require.Len(t, ms, n, "no more messages than expected")
			return mp.Raw(t, ms[0].ID)
		}
		sleepBriefly()
	}
	t.Fatalf("no %d-th message arrived", n)
	return nil
}

// textOf is the decoded text/plain part of a multipart/alternative
// message, and the HTML part.
func partsOf(t *testing.T, raw []byte) (text, html string, h mail.Header) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mt)
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		switch {
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"):
			text = string(b)
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/html"):
			html = string(b)
		}
	}
	return text, html, m.Header
}

func TestEmailGoesOutOnceSignedWithDKIM(t *testing.T) {
	t.Parallel()
	mp := tenanttest.Mailpit(t, nil)
	e := setup(t, envOpts{mail: mailTo(mp)})

	// The address is used only once confirmed: the code goes to it.
	require.ErrorIs(t, e.svc.SetAddress(e.ctx, e.account, notify.Email, "not an address"), notify.ErrBadAddress)
	require.ErrorIs(t, e.svc.Confirm(e.ctx, e.account, notify.Email, "123456"), notify.ErrNoCode)
	before := e.post(t, notify.KindStatus, "notify.received", "2026-000007")
	require.NoError(t, e.svc.SetAddress(e.ctx, e.account, notify.Email, " Olena@Example.org "))
	require.NoError(t, e.svc.SetAddress(e.ctx, e.account, notify.Email, "olena@example.org"), "a double submit")
	codeMail := newest(t, mp, 1)
	text, _, h := partsOf(t, codeMail)
	require.Equal(t, "olena@example.org", h.Get("To"))
	code := regexpCode.FindString(text)
	require.Len(t, code, 6)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	require.ErrorIs(t, e.svc.Confirm(e.ctx, e.account, notify.Email, wrong), notify.ErrBadCode)
	require.NoError(t, e.svc.Confirm(e.ctx, e.account, notify.Email, code))

	// A notice before the confirmation stayed in the inbox only; one
	// after goes out by e-mail, once.
	id := e.post(t, notify.KindResult, "notify.approved", "2026-000008")
	d := e.settled(t, id, notify.Email)
	require.Equal(t, notify.Delivered, d.Status)
	require.Equal(t, 1, d.Attempts)
	raw := newest(t, mp, 2)

	// DKIM verifies against the city's published key.
	verifyDKIM(t, e, raw)

	text, html, h := partsOf(t, raw)
	from, err := mail.ParseAddress(h.Get("From"))
	require.NoError(t, err)
	require.Equal(t, "Тестове", from.Name)
	require.Equal(t, "noreply@"+e.tn.Slug+".localhost", from.Address)
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, "Тестове: нове сповіщення в кабінеті", subject)
	require.Contains(t, text, "Є рішення за заявою № 2026-000008.")
	require.Contains(t, html, "#005b4f", "the city's colour")
	for _, part := range []string{text, html} {
		require.NotContains(t, part, "Довідка", "the service stays in the cabinet")
		require.NotContains(t, part, "Петренко")
	}
	// The link names the notice, signed, and carries no session.
	link := regexpLink.FindString(text)
	u, err := url.Parse(link)
	require.NoError(t, err)
	require.Equal(t, "/cabinet/notifications", u.Path)
	require.Equal(t, []string{"n", "sig"}, sortedKeys(u.Query()))
	got, ok := e.svc.LinkedNotice(e.tn, u.Query().Get("n"), u.Query().Get("sig"))
	require.True(t, ok)
	require.Equal(t, id, got)
	_, ok = e.svc.LinkedNotice(e.tn, before.String(), u.Query().Get("sig"))
	require.False(t, ok, "a signature is for its notice only")

	// A job for the same delivery again (a retry, a duplicate) sends
	// nothing more.
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		_, err := tenant.InsertTx(ctx, e.river, tx, notify.DeliverArgs{Envelope: tenant.Envelope{TenantID: e.tn.ID}, DeliveryID: d.ID, Lane: notify.Bulk},
			&river.InsertOpts{Queue: notify.QueueBulk})
		return err
	}))
	waitJobsDone(t, e)
	require.Len(t, mp.Messages(t), 2)

	// The inbox shows each notice and how it went out; the code's
	// notice names the address, never the code.
	inbox, err := e.svc.Inbox(e.ctx, e.account)
	require.NoError(t, err)
	require.Len(t, inbox, 3)
	require.Equal(t, id, inbox[0].ID)
	require.Equal(t, []notify.DeliveryStatus{{Channel: notify.Email, Status: notify.Delivered, UpdatedAt: inbox[0].Deliveries[0].UpdatedAt}}, inbox[0].Deliveries)
	require.Equal(t, "notify.code_sent", inbox[1].Key)
	require.NotContains(t, inbox[1].Args, "Code")
	require.Empty(t, inbox[2].Deliveries)
	var secrets int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notify_deliveries WHERE secret_args <> '{}'`).Scan(&secrets)
	}))
	require.Zero(t, secrets, "a code is forgotten once sent")
}

func TestSMTPRefusalIsPermanent(t *testing.T) {
	t.Parallel()
	mp := tenanttest.Mailpit(t, &tenanttest.MailpitOptions{AllowedRecipients: `^olena@example\.org$`})
	e := setup(t, envOpts{mail: mailTo(mp)})
	e.confirm(t, notify.Email, "olena@example.org", func() string { text, _, _ := partsOf(t, newest(t, mp, 1)); return text })
	// The address then stops existing at the receiving end.
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		_, err := tx.Exec(ctx, `UPDATE notify_contacts SET address = 'gone@example.org'`)
		return err
	}))
	id := e.post(t, notify.KindStatus, "notify.in_review", "2026-000009")
	d := e.settled(t, id, notify.Email)
	require.Equal(t, notify.Permanent, d.Status)
	require.Equal(t, 1, d.Attempts, "a refusal is not retried")
	require.Contains(t, d.LastError, "smtp 5")
	require.Len(t, mp.Messages(t), 1)
}

// TestSMTPUnreachableIsRetried: a relay that drops the connection is a
// temporary failure, tried again with back-off until it takes the message.
func TestSMTPUnreachableIsRetried(t *testing.T) {
	t.Parallel()
	mp := tenanttest.Mailpit(t, nil)
	// A relay in front of Mailpit that hangs up on the first two
	// connections.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if conns.Add(1) <= 2 {
				c.Close()
				continue
			}
			go proxy(c, net.JoinHostPort(mp.SMTPHost, itoa(mp.SMTPPort)))
		}
	}()
	m := &notify.Mail{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port}
	e := setup(t, envOpts{mail: m})
	require.NoError(t, e.svc.SetAddress(e.ctx, e.account, notify.Email, "olena@example.org"))
	var notice uuid.UUID
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error {
		return tx.QueryRow(ctx, `SELECT id FROM notifications WHERE key = 'notify.code_sent'`).Scan(&notice)
	}))
	d := e.settled(t, notice, notify.Email)
	require.Equal(t, notify.Delivered, d.Status)
	require.Equal(t, 3, d.Attempts)
	require.Len(t, mp.Messages(t), 1, "sent once")
}

func proxy(c net.Conn, to string) {
	defer c.Close()
	up, err := net.Dial("tcp", to)
	if err != nil {
		return
	}
	defer up.Close()
	go func() { _, _ = io.Copy(up, c) }()
	_, _ = io.Copy(c, up)
}
