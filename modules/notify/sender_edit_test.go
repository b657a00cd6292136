package notify_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/mail"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/stretchr/testify/require"

	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant/tenanttest"
)

// The dispatcher keeps the city's sender: bad values are named and change
// nothing; a good one is saved once (a double submit records nothing);
// a new DKIM key is made once per page that asked for it, and mail is
// signed with it at once — it verifies against the new record and not the
// old one — from the new name and address.
func TestSenderEditedAndDKIMRotated(t *testing.T) {
	t.Parallel()
	mp := tenanttest.Mailpit(t, nil)
	e := setup(t, envOpts{mail: mailTo(mp)})
	ctx := identity.WithSigned(e.ctx, &identity.Signed{AccountID: e.account, FullName: "Олена Петренко"})
	before, err := e.svc.Sender(ctx)
	require.NoError(t, err)

	_, err = e.svc.SaveSender(ctx, &notify.SenderForm{FromName: "Київ <спам>", FromAddress: "не адреса", SMSSender: "Київська міська рада"})
	var errs notify.SenderErrors
	require.True(t, errors.As(err, &errs), "%v", err)
	require.Len(t, errs, 3, "each wrong field is named")
	for _, f := range []string{"from_name", "from_address", "sms_sender"} {
		require.Contains(t, errs, f)
	}

	form := notify.SenderForm{FromName: "Київ Цифровий", FromAddress: "info@" + e.tn.Slug + ".localhost", SMSSender: "KyivDigital"}
	for i, want := range []bool{true, false} {
		f := form
		changed, err := e.svc.SaveSender(ctx, &f)
		require.NoError(t, err)
		require.Equal(t, want, changed, "save %d", i+1)
	}
	snd, err := e.svc.Sender(ctx)
	require.NoError(t, err)
	require.Equal(t, "Київ Цифровий", snd.FromName)
	require.Equal(t, "KyivDigital", snd.SMSSender)
	require.Equal(t, before.Selector, snd.Selector, "the key stays")

	rotated, err := e.svc.RotateDKIM(ctx, before.Selector)
	require.NoError(t, err)
	require.True(t, rotated)
	rotated, err = e.svc.RotateDKIM(ctx, before.Selector)
	require.NoError(t, err)
	require.False(t, rotated, "the same page again: once")
	_, err = e.svc.RotateDKIM(ctx, "hromada199901")
	require.ErrorIs(t, err, notify.ErrSenderStale)
	after, err := e.svc.Sender(ctx)
	require.NoError(t, err)
	require.NotEqual(t, before.Selector, after.Selector)
	require.Equal(t, "Київ Цифровий", after.FromName, "a new key keeps the names")
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM notify_senders`))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'notify.sender.update'`))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'notify.sender.rotate'`))

	// Mail goes out from the new sender, signed with the new key.
	require.NoError(t, e.svc.SetAddress(e.ctx, e.account, notify.Email, "olena@example.org"))
	text, _, _ := partsOf(t, newest(t, mp, 1))
	require.NoError(t, e.svc.Confirm(e.ctx, e.account, notify.Email, regexpCode.FindString(text)))
	id := e.post(t, notify.KindResult, "notify.approved", "2026-000009")
	require.Equal(t, notify.Delivered, e.settled(t, id, notify.Email).Status)
	raw := newest(t, mp, 2)
	verify := func(s *notify.Sender) error {
		name, record, err := s.DNSRecord()
		require.NoError(t, err)
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
			if domain != name {
				return nil, &net.DNSError{Err: "no such host", Name: domain, IsNotFound: true}
			}
			return []string{record}, nil
		}})
		require.NoError(t, err)
		require.Len(t, vs, 1)
		return vs[0].Err
	}
	require.NoError(t, verify(after))
	require.Error(t, verify(before), "the old key no longer signs")
	_, _, h := partsOf(t, raw)
	from, err := mail.ParseAddress(h.Get("From"))
	require.NoError(t, err)
	require.Equal(t, "Київ Цифровий", from.Name)
	require.Equal(t, "info@"+e.tn.Slug+".localhost", from.Address)
}

// count is a number the test reads in the city's transaction.
func (e *env) count(t *testing.T, sql string) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgxTx) error { return tx.QueryRow(ctx, sql).Scan(&n) }))
	return n
}
