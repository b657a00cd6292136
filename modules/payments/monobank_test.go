package payments_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/payments"
	"hromada/modules/payments/monosim"
)

// monobank: the invoice created with the city's token, the payer's click
// on the simulator's page, the signed webhook: paid; then a forged
// X-Sign, a replay, a wrong amount and a late failure change nothing; a
// webhook signed after the bank rotated its key verifies once the key is
// fetched again.
func TestMonobank(t *testing.T) {
	t.Parallel()
	e := setup(t)
	require.NoError(t, e.svc.SaveSettings(e.ctx, payments.Settings{Gateway: payments.Monobank, Secret: e.mono.Token(e.tn.Slug)}))
	inv := e.application(t)

	c, err := e.svc.Checkout(e.ctx, e.account, inv.ID, "uk")
	require.NoError(t, err)
	require.Equal(t, "/cabinet/payments/"+inv.ID.String()+"/pay", c.Action)
	require.Empty(t, c.Data)
	page, err := e.svc.MonobankPay(e.ctx, e.account, inv.ID)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(page, "http://"), page)
	mi := e.mono.Invoices()[0]
	require.Equal(t, int64(2574), mi.Amount, "kopecks")
	require.Equal(t, 980, mi.Ccy)
	require.Equal(t, inv.ID.String(), mi.Reference)

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(page)
	require.NoError(t, err)
	require.Contains(t, readAll(t, resp), "До сплати 25,74 грн")
	resp, err = client.PostForm(page, url.Values{})
	require.NoError(t, err)
	_ = readAll(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	mi = e.mono.Invoices()[0]
	require.Equal(t, []int{200}, mi.Deliveries)
	got := e.invoice(t, inv)
	require.Equal(t, payments.Paid, got.Status)
	require.Equal(t, mi.ID, got.Payments[0].GatewayID)
	require.Equal(t, payments.Monobank, got.Payments[0].Gateway)

	webhook := func(body []byte, sign string) payments.Result {
		res, err := e.svc.MonobankWebhook(e.ctx, body, sign)
		require.NoError(t, err)
		return res
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	body := monosim.Body(mi)
	h := sha256.Sum256(body)
	forged, err := ecdsa.SignASN1(rand.Reader, other, h[:])
	require.NoError(t, err)
	res := webhook(body, base64.StdEncoding.EncodeToString(forged))
	require.Equal(t, payments.ReasonSignature, res.Reason)
	res = webhook(append(body[:len(body):len(body)], ' '), e.mono.Sign(body))
	require.Equal(t, payments.ReasonSignature, res.Reason, "the signature covers the exact bytes")
	res = webhook(body, e.mono.Sign(body))
	require.Equal(t, payments.ReasonReplay, res.Reason)
	wrong := mi
	wrong.ID, wrong.Amount = "wrongamount", 257
	b := monosim.Body(wrong)
	require.Equal(t, payments.ReasonAmount, webhook(b, e.mono.Sign(b)).Reason)
	late := mi
	late.Status = "failure"
	b = monosim.Body(late)
	require.Equal(t, payments.ReasonOutOfOrder, webhook(b, e.mono.Sign(b)).Reason)
	require.Equal(t, got.Payments, e.invoice(t, inv).Payments, "nothing changed")

	// The bank rotates its key: the cached one fails, the fresh one
	// verifies the reversal.
	e.mono.RotateKey()
	rev := mi
	rev.Status = "reversed"
	b = monosim.Body(rev)
	res = webhook(b, e.mono.Sign(b))
	require.Equal(t, payments.Accepted, res.Outcome)
	require.Equal(t, payments.Refunded, e.invoice(t, inv).Status)
}
