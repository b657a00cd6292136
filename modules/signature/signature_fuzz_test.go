package signature

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"reflect"
	"testing"
	"time"
)

// FuzzCanonical checks the canonical bytes a resident signs on any JSON
// text: they are valid JSON with the same meaning as the input, stable
// (canonical bytes canonicalise to themselves, so a verifier recomputing
// them gets what was signed), and the same whether the application comes
// as JSON text or as the Go values it decodes to.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		string(testData),
		`{"b":1,"a":[true,false,null,"\u0000\u001f\"\\/<>&\u2028"],"😀":{},"\ud83d\ude00x":[],"é":1e21,"z":-0}`,
		`[1,1.0,1e-7,0.000001,123456789012345678901234,1E400,9007199254740993,-5.5e-324,100]`,
		`{"a":1,"a":2}`,
		`{"applicant":{"rnokpp":"3221501449","name":"Шевченко Олена"},"data":{"area":42.5,"rooms":2},"service":"KY-0001"}`,
		`"\xff\xfe"`, ` [ ] `, `{"x":1} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonical(json.RawMessage(in))
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("canonical bytes of %q are not JSON: %q", in, out)
		}
		again, err := Canonical(json.RawMessage(out))
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not stable: %q → %q → %q (%v)", in, out, again, err)
		}
		var a, b any
		if json.Unmarshal(in, &a) != nil || json.Unmarshal(out, &b) != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("meaning changed: %q → %q", in, out)
		}
		viaValues, err := Canonical(a)
		if err != nil || !bytes.Equal(viaValues, out) {
			t.Fatalf("text and values disagree: %q → %q, values → %q (%v)", in, out, viaValues, err)
		}
	})
}

// FuzzVerifyDetached feeds VerifyDetached (and under it the ДСТУ CMS
// reader) any data and any CMS bytes. Two real signers are set up — an
// ECDSA one under the development CA and a ДСТУ 4145 one under a test
// qualified CA — and each signs testData once, so that a verified result
// can only be one of those signatures: whatever the fuzzer makes of the
// bytes, a CMS that verifies covers exactly testData and names the
// signer's РНОКПП and certificate. The jkurwa vectors and PEM armour are
// seeds too.
func FuzzVerifyDetached(f *testing.F) {
	ca, err := NewDevCA("Hromada Dev CA")
	if err != nil {
		f.Fatal(err)
	}
	cert, key, err := ca.Issue(rnokppA, "Шевченко Тарас Григорович")
	if err != nil {
		f.Fatal(err)
	}
	ecdsaCMS, err := SignDetached(testData, cert, key)
	if err != nil {
		f.Fatal(err)
	}
	b := dstuSetup(f)
	dstuCMS := signDSTU(f, testData, b.cert, b.key, oidGOST34311, gost, time.Now().Add(-time.Minute))
	opts := VerifyOptions{Roots: ca.Pool(), DSTUAnchors: []*x509.Certificate{b.ca.Certificate}}
	signers := map[string]bool{string(cert.Raw): true, string(b.cert.Raw): true}

	f.Add(testData, ecdsaCMS)
	f.Add(testData, dstuCMS)
	f.Add(testData, pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: ecdsaCMS}))
	f.Add([]byte("tampered"), ecdsaCMS)
	for _, name := range []string{"testdata/jkurwa-message-detached.p7", "testdata/jkurwa-message.p7"} {
		cms, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte("123"), cms)
	}
	f.Fuzz(func(t *testing.T, data, cms []byte) {
		if sd, err := parseSignedData(cms); err == nil {
			for _, s := range sd.signers {
				if s.signedAttrs != nil {
					if toSign := s.signedAttrsToSign(); len(toSign) == 0 || toSign[0] != 0x31 {
						t.Fatalf("signed attributes to sign are not a SET: % x", toSign)
					}
					_, _ = s.attrs()
				}
				_ = sd.signerCert(s)
			}
		}
		s, err := VerifyDetached(data, cms, opts)
		if err != nil {
			if s != nil {
				t.Fatalf("an error (%v) with a signer", err)
			}
			return
		}
		if !bytes.Equal(data, testData) {
			t.Fatalf("a signature over testData verified for other data %q", data)
		}
		if s == nil || s.Certificate == nil || !signers[string(s.Certificate.Raw)] || s.RNOKPP != rnokppA {
			t.Fatalf("verified, yet not one of the two signers: %+v", s)
		}
	})
}
