package payments

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
)

// fuzzLiqPayKey is the sandbox private key of TestLiqPaySignature.
const fuzzLiqPayKey = "sandbox_test_private"

// liqpayData is a callback's data field as LiqPay (and liqpaysim) sends it.
func liqpayData(json string) string { return base64.StdEncoding.EncodeToString([]byte(json)) }

// FuzzLiqPayCallback runs a LiqPay callback's two form fields through
// what LiqPayCallback does before it touches an invoice: the signature
// check with the city's key, the decoding of data, and the amount. With
// sign unset the fuzzer's own signature is used, and a callback is only
// ever believed when it is the real signature of data under the city's
// key — never under another key or no key; with sign set the gateway
// signs whatever data the fuzzer made, so the decoding behind the check
// is fuzzed too: it either refuses the data or returns fields that are
// the evidence's own, and an amount is exact kopecks or refused.
func FuzzLiqPayCallback(f *testing.F) {
	real := liqpayData(`{"version":3,"action":"pay","payment_id":7001,"status":"success","type":"buy","paytype":"card",` +
		`"public_key":"sandbox_i000","order_id":"0190f3c2-7d1e-7a00-8000-000000000001","liqpay_order_id":"SIM7001","amount":25.74,` +
		`"currency":"UAH","sender_card_mask2":"424242*42","end_date":1764547200000,"create_date":1764547200000}`)
	f.Add(real, LiqPaySign(fuzzLiqPayKey, real), false)
	f.Add(real, LiqPaySign("sandbox_not_the_citys_key", real), false)
	f.Add("eyJwdWJsaWNfa2V5IjoiaTAwMCIsInZlcnNpb24iOjN9", "yNCMuYrX92ZWQFO5kWEys0qff+0=", false)
	for _, body := range []string{
		`{"payment_id":7002,"status":"success","public_key":"sandbox_i000","order_id":"x","amount":"25.741","currency":"UAH"}`,
		`{"payment_id":"7003","status":"reversed","amount":1e3,"order_id":["a"]}`,
		`{"payment_id":7004,"amount":-1}`, `{"payment_id":7005,"amount":"1099511627776.99"}`, `[]`, `null`, `{"payment_id":1}{}`,
	} {
		f.Add(liqpayData(body), "", true)
	}
	f.Add("not base64!", "", true)
	f.Fuzz(func(t *testing.T, data, signature string, sign bool) {
		if sign {
			signature = LiqPaySign(fuzzLiqPayKey, data)
		}
		if LiqPayVerify("", data, signature) {
			t.Fatal("a callback verified with no key")
		}
		if LiqPayVerify("sandbox_not_the_citys_key", data, signature) && signature == LiqPaySign(fuzzLiqPayKey, data) {
			t.Fatal("one signature verifies under two keys")
		}
		if !LiqPayVerify(fuzzLiqPayKey, data, signature) {
			if signature == LiqPaySign(fuzzLiqPayKey, data) {
				t.Fatal("the real signature was refused")
			}
			return
		}
		if signature != LiqPaySign(fuzzLiqPayKey, data) {
			t.Fatalf("signature %q believed for data %q", signature, data)
		}
		cb, evidence, err := liqpayDecode(data)
		if err != nil || cb.PaymentID.String() == "" {
			return // refused as malformed, as LiqPayCallback does
		}
		if evidence == nil {
			t.Fatal("decoded without evidence")
		}
		for key, got := range map[string]string{"order_id": cb.OrderID, "status": cb.Status, "currency": cb.Currency, "public_key": cb.PublicKey} {
			if v, ok := evidence[key].(string); ok && v != got {
				t.Fatalf("%s: the evidence says %q, the callback %q", key, v, got)
			}
		}
		_ = liqpayStatus(cb.Status)
		requireExactAmount(t, cb.Amount.String())
	})
}

// requireExactAmount checks kopecksOf on s: a refusal, or a non-negative
// number of kopecks that writes back as the same amount.
func requireExactAmount(t *testing.T, s string) {
	t.Helper()
	k, err := kopecksOf(s)
	if err != nil {
		return
	}
	if k < 0 || k > (1<<40)*100+99 {
		t.Fatalf("kopecksOf(%q) = %d", s, k)
	}
	back, err := kopecksOf(decimalOf(k))
	if err != nil || back != k {
		t.Fatalf("kopecksOf(%q) = %d, written %q, read back %d (%v)", s, k, decimalOf(k), back, err)
	}
	// The same amount however written: "25.7" and "25.70" and " 25.700 ".
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if frac = strings.TrimRight(frac, "0"); len(frac) <= 2 {
		if again, err := kopecksOf(whole + "." + frac + "000"); err != nil || again != k {
			t.Fatalf("kopecksOf(%q) = %d, but %q gives %d (%v)", s, k, whole+"."+frac+"000", again, err)
		}
	}
}

// FuzzKopecks reads amounts as the gateways write them.
func FuzzKopecks(f *testing.F) {
	for _, s := range []string{"25.74", "25.7", "26", "0.01", "25.741", "25.740", "-1", "+1", "1e3", " 7.5 ", "1099511627776.99", "09.09", ".5", "5.", "0x10", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		requireExactAmount(t, s)
		if k, err := kopecksOf(s); err == nil && FormatKopecks(k) != strings.Replace(decimalOf(k), ".", ",", 1) {
			t.Fatalf("FormatKopecks(%d) = %q", k, FormatKopecks(k))
		}
	})
}

// FuzzMonobankWebhook checks a monobank webhook's X-Sign against the
// bank's key: a webhook body is believed only if the bank signed exactly
// those bytes. The bank (a real ECDSA P-256 key) signs the seed bodies
// once at the start; with sign set it signs whatever body the fuzzer made
// and that must verify. The key also goes through ParseMonobankKey as the
// pubkey endpoint gives it.
func FuzzMonobankWebhook(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		f.Fatal(err)
	}
	pub, err := ParseMonobankKey(base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	if err != nil || !pub.Equal(key.Public()) {
		f.Fatalf("the bank's own key does not parse: %v", err)
	}
	bankSign := func(body []byte) string {
		h := sha256.Sum256(body)
		sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
		if err != nil {
			f.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(sig)
	}
	signed := map[string]bool{}
	for _, body := range []string{
		`{"invoiceId":"p2_9ZgpZVsl3","status":"success","amount":2574,"ccy":980,"finalAmount":2574,"reference":"0190f3c2-7d1e-7a00-8000-000000000001","createdDate":"2026-11-30T10:00:00Z","modifiedDate":"2026-11-30T10:01:00Z"}`,
		`{"invoiceId":"p2_9ZgpZVsl3","status":"reversed","amount":2574,"ccy":980,"reference":"0190f3c2-7d1e-7a00-8000-000000000001"}`,
		`{"invoiceId":"","status":"success"}`,
	} {
		signed[body] = true
		f.Add([]byte(body), bankSign([]byte(body)), false)
		f.Add([]byte(body+" "), bankSign([]byte(body)), false)
	}
	f.Add([]byte(`{}`), base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), false)
	f.Add([]byte(`{}`), "", true)
	f.Add([]byte(`{"invoiceId":"x","amount":1e400}`), "", true)
	f.Fuzz(func(t *testing.T, body []byte, xSign string, sign bool) {
		if sign {
			xSign = bankSign(body)
			if !MonobankVerify(pub, body, xSign) {
				t.Fatal("the bank's own signature was refused")
			}
		} else if MonobankVerify(pub, body, xSign) && !signed[string(body)] {
			t.Fatalf("X-Sign %q believed for a body the bank never signed: %q", xSign, body)
		}
		if MonobankVerify(nil, body, xSign) {
			t.Fatal("verified with no key")
		}
		// The pubkey endpoint's answer may be anything too.
		if k, err := ParseMonobankKey(xSign); err == nil {
			// A usable key: it encodes, and the encoding reads back to it
			// (a point off its curve would do neither).
			b, err := k.Bytes()
			back, err2 := ecdsa.ParseUncompressedPublicKey(k.Curve, b)
			if err != nil || err2 != nil || !back.Equal(k) {
				t.Fatalf("ParseMonobankKey(%q) gave a key that is not one: %v %v", xSign, err, err2)
			}
		}
		var wh MonobankWebhook
		if json.Unmarshal(body, &wh) == nil {
			_ = monobankStatus(wh.Status)
		}
	})
}
