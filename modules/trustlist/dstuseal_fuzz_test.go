package trustlist

import (
	"bytes"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"hromada/modules/trustlist/trustlisttest"
)

// FuzzDSTUSeal feeds any bytes to the seal check a list sealed with ДСТУ
// 4145 goes through, with a ДСТУ anchor that sealed one list: it never
// panics, refuses with the package's own errors, and whatever it accepts
// yields exactly the canonical bytes of that list, the only ones parsed.
func FuzzDSTUSeal(f *testing.F) {
	anchor := trustlisttest.NewDSTUCA(f, "ЦЗО (ДСТУ)")
	now := time.Now()
	r := &Register{anchors: []*x509.Certificate{anchor.Certificate}, now: func() time.Time { return now }}
	list := (&trustlisttest.List{Territory: "UA", SchemeName: "Довірчий список (ДСТУ)", Sequence: 1,
		IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
		Providers: []trustlisttest.Provider{{Name: "КНЕДП", Services: []trustlisttest.Service{
			{Type: TypeCAQC, Name: "ЦСК", Cert: anchor.Certificate, Status: StatusGranted, Since: now.Add(-48 * time.Hour)}}}},
	}).XML(f)
	sealed := anchor.Seal(f, list, nil)
	want, err := r.verifySeal(sealed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add(anchor.Seal(f, list, &trustlisttest.DSTUSeal{SignatureMethod: trustlisttest.DSTUWithKupyna,
		DigestMethod: trustlisttest.DigestKupyna, URI: "#TrustServiceStatusList-1", Wrapped: true}))
	f.Add(bytes.Replace(sealed, []byte("granted"), []byte("withdrawn"), 1))
	f.Add(list)
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := r.verifySeal(in)
		if err != nil {
			if !errors.Is(err, ErrSeal) && !errors.Is(err, ErrSealAlgorithm) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("refused with an error of no kind: %v", err)
			}
			return
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("accepted, yielding bytes the anchor did not seal:\n%s", out)
		}
	})
}
