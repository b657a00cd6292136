package dstu4145

import (
	"crypto/x509"
	"math/big"
	"os"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// A certificate's explicit curve may name a reducible polynomial
// (t^5 + t^4 + 1 = (t^2 + t + 1)(t^3 + t + 1)). Inverting an element that
// shares a factor with it looped for ever in inv, so one crafted key in a
// CMS held a CPU; the curve is now refused.
func TestReducibleCurveRefused(t *testing.T) {
	t.Parallel()
	for a := 0; a <= 1; a++ {
		for x := 1; x < 32; x++ {
			if _, err := newCurve(5, []int{4}, a, []byte{1}, big.NewInt(31), []byte{byte(x)}); err == nil {
				t.Fatalf("a curve over a reducible polynomial was taken (A=%d, x=%d)", a, x)
			}
		}
	}
	f := newField(5, []int{4})
	if got := f.inv(elem{0b111}); !got.isZero() {
		t.Fatalf("inv of a factor of the modulus = %v, want none", got)
	}
}

// spki is the SubjectPublicKeyInfo of the certificate in testdata/name.
func spki(f *testing.F, name string) []byte {
	f.Helper()
	der, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	in := cryptobyte.String(der)
	var c, tbs, key cryptobyte.String
	if !in.ReadASN1(&c, cbasn1.SEQUENCE) || !c.ReadASN1(&tbs, cbasn1.SEQUENCE) || !tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		f.Fatalf("%s: not a certificate", name)
	}
	for range 5 { // serial, signature, issuer, validity, subject
		var skip cryptobyte.String
		var tag cbasn1.Tag
		if !tbs.ReadAnyASN1(&skip, &tag) {
			f.Fatalf("%s: short", name)
		}
	}
	if !tbs.ReadASN1Element(&key, cbasn1.SEQUENCE) {
		f.Fatalf("%s: no key", name)
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		f.Logf("%s: Go's x509 does not read it (%v); its key is still a seed", name, err)
	}
	return key
}

// FuzzParsePublicKey reads any SubjectPublicKeyInfo as a ДСТУ 4145 key, as
// the verifier does with the signer's and each CA's certificate in a CMS,
// before any signature is checked. It answers, always: a key whose point
// is on its curve and compresses back to the bytes read, or an error. The
// real certificates of testdata (the Central certification authority's
// roots, the "Дія" CA, a test signer) are the seeds.
func FuzzParsePublicKey(f *testing.F) {
	for _, name := range []string{"czo-2020-root.cer", "czo-2012-root.cer", "diia-ca.cer", "diia-test-sign.cer", "cryptonite-root.cer", "cryptonite-userfiz.cer"} {
		f.Add(spki(f, name))
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		pub, err := ParsePublicKey(der)
		if err != nil {
			return
		}
		c := pub.Curve
		if !c.onCurve(pub.q) {
			t.Fatal("a key off its curve")
		}
		if back, err := c.decompress(c.compress(pub.q)); err != nil || back != pub.q {
			t.Fatalf("the key does not compress and decompress to itself: %v", err)
		}
	})
}
