package payments

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// monobank acquiring's protocol, as its public API documentation
// (acquiring, merchant API) describes it:
//
//   - every call carries the merchant's token in the X-Token header;
//   - POST /api/merchant/invoice/create takes JSON {amount (kopecks),
//     ccy (ISO 4217 numeric, 980 = UAH), merchantPaymInfo {reference,
//     destination}, redirectUrl, webHookUrl} and answers {invoiceId,
//     pageUrl}, the page the payer is sent to;
//   - the webhook is a POST of the invoice's state as JSON {invoiceId,
//     status, amount, ccy, reference, createdDate, modifiedDate, …} to
//     webHookUrl, with X-Sign: the base64 of an ECDSA signature (ASN.1
//     DER) over the SHA-256 of the body's exact bytes;
//   - GET /api/merchant/pubkey answers {key: base64 of the PEM public
//     key} that verifies the webhooks; it is fetched and cached, and
//     fetched again once when a signature does not verify (the bank
//     rotated it);
//   - POST /api/merchant/invoice/cancel {invoiceId, extRef, amount}
//     refunds a paid invoice; the reversal comes as a webhook (reversed);
//   - statuses: created, processing, hold, success, failure, reversed,
//     expired.

// ccyUAH is the hryvnia's ISO 4217 numeric code.
const ccyUAH = 980

// MonobankWebhookPath is where a city's portal takes monobank's webhooks.
const MonobankWebhookPath = "/payments/monobank/webhook"

// MonobankInvoice is the invoice-create request.
type MonobankInvoice struct {
	Amount           int64            `json:"amount"`
	Ccy              int              `json:"ccy"`
	MerchantPaymInfo MonobankPaymInfo `json:"merchantPaymInfo"`
	RedirectURL      string           `json:"redirectUrl"`
	WebHookURL       string           `json:"webHookUrl"`
}

// MonobankPaymInfo is the merchant's description of a payment.
type MonobankPaymInfo struct {
	Reference   string `json:"reference"`
	Destination string `json:"destination"`
}

// MonobankCreated is the invoice-create answer.
type MonobankCreated struct {
	InvoiceID string `json:"invoiceId"`
	PageURL   string `json:"pageUrl"`
}

// MonobankWebhook is what a webhook carries that the platform reads; the
// whole decoded body is kept as the payment's evidence.
type MonobankWebhook struct {
	InvoiceID    string `json:"invoiceId"`
	Status       string `json:"status"`
	Amount       int64  `json:"amount"`
	Ccy          int    `json:"ccy"`
	Reference    string `json:"reference"`
	ModifiedDate string `json:"modifiedDate,omitempty"`
}

// monobankStatus maps monobank's statuses to the platform's.
func monobankStatus(s string) PaymentStatus {
	switch s {
	case "success":
		return Succeeded
	case "failure", "expired":
		return Failed
	case "reversed":
		return Reversed
	}
	return Pending // created, processing, hold
}

// MonobankVerify says whether xSign is a valid signature of body by key.
func MonobankVerify(key *ecdsa.PublicKey, body []byte, xSign string) bool {
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(xSign))
	if err != nil || key == nil {
		return false
	}
	h := sha256.Sum256(body)
	return ecdsa.VerifyASN1(key, h[:], sig)
}

// ParseMonobankKey reads the pubkey endpoint's key: base64 of a PEM public
// key.
func ParseMonobankKey(b64 string) (*ecdsa.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("payments: monobank's key: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("payments: monobank's key is not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("payments: monobank's key: %w", err)
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("payments: monobank's key is not ECDSA")
	}
	return k, nil
}

// monobankCall calls monobank's API with the city's token: in is sent as
// JSON (nil: a GET), the JSON answer decoded into out.
func (s *Service) monobankCall(ctx context.Context, base, token, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("X-Token", token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return fmt.Errorf("payments: monobank %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("payments: monobank %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("payments: monobank %s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("payments: monobank %s: %w", path, err)
	}
	return nil
}

// monobankKey is the city's webhook key: cached, or (fresh) fetched.
func (s *Service) monobankKey(ctx context.Context, t *tenant.Tenant, token string, fresh bool) (*ecdsa.PublicKey, error) {
	if k, ok := s.monoKeys.Load(t.ID); ok && !fresh {
		return k.(*ecdsa.PublicKey), nil
	}
	var out struct {
		Key string `json:"key"`
	}
	if err := s.monobankCall(ctx, s.o.MonobankURL(t), token, http.MethodGet, "/api/merchant/pubkey", nil, &out); err != nil {
		return nil, err
	}
	k, err := ParseMonobankKey(out.Key)
	if err != nil {
		return nil, err
	}
	s.monoKeys.Store(t.ID, k)
	return k, nil
}

// MonobankPay creates a monobank invoice for one of account's open
// invoices and returns the page to send the payer to. The platform's
// invoice id is the reference the webhooks bring back.
func (s *Service) MonobankPay(ctx context.Context, account, id uuid.UUID) (string, error) {
	var (
		inv *Invoice
		st  Settings
	)
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		inv, err = ownInvoice(ctx, tx, account, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if inv.Status != Open {
			return ErrNothingToPay
		}
		st, err = s.settings(ctx, tx)
		if err == nil && st.Gateway != Monobank {
			return ErrNotConfigured
		}
		return err
	})
	if err != nil {
		return "", err
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return "", err
	}
	portal := strings.TrimRight(s.o.PortalURL(t), "/")
	var out MonobankCreated
	err = s.monobankCall(ctx, s.o.MonobankURL(t), st.Secret, http.MethodPost, "/api/merchant/invoice/create", MonobankInvoice{
		Amount: inv.AmountKopecks, Ccy: ccyUAH, MerchantPaymInfo: MonobankPaymInfo{Reference: inv.ID.String(), Destination: inv.Purpose},
		RedirectURL: portal + "/cabinet/payments/" + inv.ID.String() + "?returned=1", WebHookURL: portal + MonobankWebhookPath}, &out)
	if err != nil {
		return "", err
	}
	if out.PageURL == "" {
		return "", errors.New("payments: monobank gave no page for the invoice")
	}
	return out.PageURL, nil
}

// MonobankWebhook takes a webhook (its exact body and X-Sign) in one
// transaction: the signature is checked with the cached key, and once
// more with a freshly fetched one when it does not verify, before
// anything but the log is written; then as LiqPay's callbacks (apply).
func (s *Service) MonobankWebhook(ctx context.Context, body []byte, xSign string) (Result, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return Result{}, err
	}
	// The key is read before the transaction: fetching it is a call out.
	var st Settings
	err = s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		st, err = s.settings(ctx, tx)
		return err
	})
	verified := false
	if err == nil && st.Gateway == Monobank {
		for _, fresh := range []bool{false, true} {
			k, kerr := s.monobankKey(ctx, t, st.Secret, fresh)
			if kerr != nil {
				s.o.Log.WarnContext(ctx, "payments: monobank's webhook key", "error", kerr)
				continue
			}
			if verified = MonobankVerify(k, body, xSign); verified {
				break
			}
		}
	} else if err != nil && !errors.Is(err, ErrNotConfigured) {
		return Result{}, err
	}
	var res Result
	err = s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		l := logged{Gateway: Monobank, Body: string(body)}
		refuse := func(r Reason) error {
			res = Result{Outcome: Refused, Reason: r}
			l.Outcome, l.Reason = Refused, r
			return logCallback(ctx, tx, l)
		}
		if st.Gateway != Monobank {
			return refuse(ReasonNotConfigured)
		}
		if !verified {
			return refuse(ReasonSignature)
		}
		var wh MonobankWebhook
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var evidence map[string]any
		if json.Unmarshal(body, &wh) != nil || dec.Decode(&evidence) != nil || wh.InvoiceID == "" {
			return refuse(ReasonMalformed)
		}
		l.GatewayID, l.Status = wh.InvoiceID, wh.Status
		id, err := uuid.Parse(wh.Reference)
		if err != nil {
			return refuse(ReasonUnknownInvoice)
		}
		currency := strconv.Itoa(wh.Ccy)
		if wh.Ccy == ccyUAH {
			currency = Currency
		}
		rep := report{Gateway: Monobank, GatewayID: wh.InvoiceID, Invoice: id, Status: monobankStatus(wh.Status), RawStatus: wh.Status,
			AmountKopecks: wh.Amount, Currency: currency, Evidence: evidence}
		res, err = s.apply(ctx, tx, rep, &l)
		return err
	})
	return res, err
}
