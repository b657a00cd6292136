package payments

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // LiqPay's protocol signs with SHA-1; it is the gateway's choice, not ours
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// LiqPay's protocol, as its public API documentation (version 3) and its
// own SDKs describe it:
//
//   - every request and every callback is two form fields, data and
//     signature: data = base64(JSON of the parameters), signature =
//     base64(sha1(private_key + data + private_key));
//   - the checkout is a browser form POSTed to /api/3/checkout with
//     version 3, public_key, action "pay", amount (hryvnias, decimal),
//     currency, description, order_id, result_url, server_url, language;
//   - the callback is a server POST (application/x-www-form-urlencoded)
//     of data and signature to server_url, signed the same way; its data
//     carries payment_id, order_id, status, amount, currency, public_key
//     and the payment's details;
//   - the server API (/api/request) takes the same two fields and answers
//     JSON; action "reports" lists the payments between date_from and
//     date_to (Unix milliseconds).

// LiqPaySign is the signature of data (already base64) with privateKey.
func LiqPaySign(privateKey, data string) string {
	h := sha1.Sum([]byte(privateKey + data + privateKey)) //nolint:gosec // the protocol's hash
	return base64.StdEncoding.EncodeToString(h[:])
}

// LiqPayVerify says whether signature is data's signature with
// privateKey, in constant time.
func LiqPayVerify(privateKey, data, signature string) bool {
	want := LiqPaySign(privateKey, data)
	return privateKey != "" && subtle.ConstantTimeCompare([]byte(want), []byte(signature)) == 1
}

// LiqPayEncode is params as data and its signature.
func LiqPayEncode(privateKey string, params any) (data, signature string, err error) {
	raw, err := json.Marshal(params)
	if err != nil {
		return "", "", fmt.Errorf("payments: liqpay params: %w", err)
	}
	data = base64.StdEncoding.EncodeToString(raw)
	return data, LiqPaySign(privateKey, data), nil
}

// LiqPayCheckout is the checkout request's parameters.
type LiqPayCheckout struct {
	Version     int    `json:"version"`
	PublicKey   string `json:"public_key"`
	Action      string `json:"action"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	Description string `json:"description"`
	OrderID     string `json:"order_id"`
	ResultURL   string `json:"result_url"`
	ServerURL   string `json:"server_url"`
	Language    string `json:"language"`
}

// LiqPayCallback is what a callback's data carries that the platform
// reads; the whole decoded body is kept as the payment's evidence.
type LiqPayCallback struct {
	PaymentID     json.Number `json:"payment_id"`
	OrderID       string      `json:"order_id"`
	Status        string      `json:"status"`
	Action        string      `json:"action"`
	Amount        json.Number `json:"amount"`
	Currency      string      `json:"currency"`
	PublicKey     string      `json:"public_key"`
	LiqPayOrderID string      `json:"liqpay_order_id,omitempty"`
	EndDate       json.Number `json:"end_date,omitempty"`
	ErrCode       string      `json:"err_code,omitempty"`
	Description   string      `json:"description,omitempty"`
}

var errMalformed = errors.New("payments: a callback's data is not base64 JSON")

// liqpayDecode reads a verified callback's data: the fields the platform
// uses and the whole object as evidence.
func liqpayDecode(data string) (LiqPayCallback, map[string]any, error) {
	var cb LiqPayCallback
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return cb, nil, errMalformed
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var all map[string]any
	if err := dec.Decode(&all); err != nil {
		return cb, nil, errMalformed
	}
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&cb); err != nil {
		return cb, nil, errMalformed
	}
	return cb, all, nil
}

// liqpayStatus maps LiqPay's statuses to the platform's: success and
// sandbox (a test payment in sandbox mode) paid; failure and error
// failed; reversed refunded; the rest (processing, wait_*, prepared,
// 3ds_verify, …) still pending.
func liqpayStatus(s string) PaymentStatus {
	switch s {
	case "success", "sandbox":
		return Succeeded
	case "failure", "error":
		return Failed
	case "reversed":
		return Reversed
	}
	return Pending
}
