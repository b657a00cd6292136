package dstu4145

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"os"
	"slices"
	"testing"

	"hromada/modules/signature/gost34311"

	"github.com/stretchr/testify/require"
)

func hexInt(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	require.True(t, ok, s)
	return n
}

func leHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func reversed(b []byte) []byte {
	r := slices.Clone(b)
	slices.Reverse(r)
	return r
}

// annexB is the worked example of ДСТУ 4145-2002, Annex B: the curve
// over GF(2^163) with f(t) = t^163+t^7+t^6+t^3+1, A = 1, its base point
// P, the private key d, the public key Q = −d·P, the hash H(T), the
// one-time key e and the signature (r, s). The same numbers are the
// self-test of UAPKI (library/uapkic/src/dstu4145.c, dstu4145_self_test,
// "ДСТУ 4145-2002. Додаток Б") and of Cryptonite
// (src/cryptoniteAtest/c/atest_dstu4145.c, dstu4145_verify_pn).
type annexB struct {
	c          *Curve
	d, e, r, s *big.Int
	q          point
	h          []byte // H(T) as the hash function outputs it (little-endian)
}

func newAnnexB(t *testing.T) annexB {
	t.Helper()
	c := &Curve{f: newField(163, []int{7, 6, 3}), a: elem{1}}
	c.b = fromBig(hexInt(t, "5FF6108462A2DC8210AB403925E638A19C1455D21"))
	c.n = hexInt(t, "400000000000000000002BEC12BE2262D39BCF14D")
	c.g = point{x: fromBig(hexInt(t, "72D867F93A93AC27DF9FF01AFFE74885C8C540420")), y: fromBig(hexInt(t, "0224A9C3947852B97C5599D5F4AB81122ADC3FD9B"))}
	return annexB{
		c: c,
		d: hexInt(t, "183F60FDF7951FF47D67193F8D073790C1C9B5A3E"),
		e: hexInt(t, "1025E40BD97DB012B7A1D79DE8E12932D247F61C6"),
		q: point{x: fromBig(hexInt(t, "57DE7FDE023FF929CB6AC785CE4B79CF64ABDC2DA")), y: fromBig(hexInt(t, "3E85444324BCF06AD85ABF6AD7B5F34770532B9AA"))},
		h: reversed(leHex(t, "09C9C44277910C9AAEE486883A2EB95B7180166DDF73532EEB76EDAEF52247FF")),
		r: hexInt(t, "274EA2C0CAA014A0D80A424F59ADE7A93068D08A7"),
		s: hexInt(t, "2100D86957331832B8E8C230F5BD6A332B3615ACA"),
	}
}

// sig writes (r, s) as Ukrainian CMS does: each little-endian in half of
// an octet string of 2·⌈L(n)/8⌉ bytes.
func sig(c *Curve, r, s *big.Int) []byte {
	l := (c.n.BitLen() + 7) / 8
	out := make([]byte, 2*l)
	r.FillBytes(out[:l])
	s.FillBytes(out[l:])
	slices.Reverse(out[:l])
	slices.Reverse(out[l:])
	return out
}

func TestAnnexB(t *testing.T) {
	t.Parallel()
	x := newAnnexB(t)
	c := x.c
	require.True(t, c.onCurve(c.g), "P is on the curve")
	require.True(t, c.mul(c.g, c.n).inf, "n·P = O")
	// Q = −d·P = (n−d)·P.
	require.Equal(t, x.q, c.mul(c.g, new(big.Int).Sub(c.n, x.d)))
	// The signature the annex computes with e: R = e·P, r = h·x(R) cut.
	R := c.mul(c.g, x.e)
	require.Equal(t, x.r, c.rFrom(R.x, c.hashElem(x.h)))
	require.Equal(t, x.s, new(big.Int).Mod(new(big.Int).Add(x.e, new(big.Int).Mul(x.d, x.r)), c.n))

	pub := &PublicKey{Curve: c, q: x.q}
	good := sig(c, x.r, x.s)
	require.Equal(t, "a7088d06937ade9af524a4800d4a01aa0c2cea7402ca5a61b332a3d65b0f238c8e2b83317395860d1002", hex.EncodeToString(good),
		"r and s little-endian, as UAPKI's self-test writes them")
	require.True(t, Verify(pub, x.h, good))

	// Compression round trip of P and Q.
	for _, p := range []point{c.g, x.q} {
		got, err := c.decompress(c.compress(p))
		require.NoError(t, err)
		require.Equal(t, p, got)
	}

	// Anything changed fails.
	require.False(t, Verify(pub, append([]byte{x.h[0] ^ 1}, x.h[1:]...), good), "another hash")
	for i := range good {
		bad := slices.Clone(good)
		bad[i] ^= 0x10
		require.False(t, Verify(pub, x.h, bad), "byte %d of the signature changed", i)
	}
	require.False(t, Verify(pub, x.h, sig(c, x.r, new(big.Int).Add(x.s, c.n))), "s ≥ n")
	require.False(t, Verify(pub, x.h, sig(c, big.NewInt(0), x.s)), "r = 0")
	require.False(t, Verify(pub, x.h, good[:len(good)-1]), "odd length")
	require.False(t, Verify(&PublicKey{Curve: c, q: c.g}, x.h, good), "another key")
}

// The ten named curves: their parameters as bee2 (agievich/bee2,
// src/crypto/dstu.c, _curve163pb_… _curve431pb_, little-endian octets)
// lists them, and the base points jkurwa (dstucrypt/jkurwa,
// lib/standard.js) lists for m = 191, 257, 431.
func TestNamedCurves(t *testing.T) {
	t.Parallel()
	bee2 := []struct {
		m     int
		poly  []int
		a     uint64
		b, n  string // little-endian hex
		baseX string // jkurwa's x of the base point (big-endian), if any
	}{
		{163, []int{7, 6, 3}, 1, "215D45C1198A635E9203B40A21C82D2A460861FF05", "4DF1BC392D26E22BC1BE0200000000000000000004", ""},
		{167, []int{6}, 1, "AC7D825A31A4F130098A51209F75110823EBCEE36E", "1F70F79FF2D7C7BC2EB1FFFFFFFFFFFFFFFFFFFF3F", ""},
		{173, []int{10, 2, 1}, 0, "D937B46F6B8F27BB3B85F6DD6EC12FDB9904C8768510", "3128BB25386E60674E9B180000000000000000000008", ""},
		{179, []int{4, 2, 1}, 1, "10B7BE724518042DE341A307DD882F6F43266585E0A604", "EF3642B65AFE35049681B9FFFFFFFFFFFFFFFFFFFFFF03", ""},
		{191, []int{9}, 1, "03FCFE502748E027FF81496B8B0E89D5C42E9002216EC87B", "4F47F78867BCDAC1CA79A769000000000000000000000040", "714114b762f2ff4a7912a6d2ac58b9b5c2fcfe76daeb7129"},
		{233, []int{9, 4, 1}, 1, "2C4D45CE6E93AA26038A3BDDF54ED51BA2647ECFC73455679550B1736900", "D7E0CF03261D0322698A2FE774E913000000000000000000000000000001", ""},
		{257, []int{12}, 0, "10BEE3DB6AEA9E1F86578C45C12594FF942394A7D738F9187E6515017294F4CE01", "0D477D901477E1D387E982F13A21596700000000000000000000000000000080", "2A29EF207D0E9B6C55CD260B306C7E007AC491CA1B10C62334A9E8DCD8D20FB7"},
		{307, []int{8, 4, 2}, 1, "BB6849908601C9BD90608BF10D0541E2E2E299C5C096424FE93D6D6C5E4B05B56636D5F7C79303", "B7B7224060D488A5BB0F390DA75D82F3C279C0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF03", ""},
		{367, []int{21}, 1, "365199567B435597A7794C39923DF9B8DACA42FE2A0C4BA6A46ABF476B55474465D57A62D1F3A6B7B042D28AFC43", "492D9B0444EF452281E88CD28F42224F82FAA3750B309C0000000000000000000000000000000000000000000040", ""},
		{431, []int{5, 3, 1}, 1, "F3CA40C669A4DA173149CA12C32DAE186B53AC6BC6365997DEAEAE8AD2D888F9BFD53401694EF9C4273D8CFE6DC28F706A0F4910CE03", "CF040511957A0CD980AFCB1F8AAA812FF024A7C0A80980457531BAFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF3F", "1A62BA79D98133A16BBAE7ED9A8E03C32E0824D57AEF72F88986874E5AAE49C27BED49A2A95058068426C2171E99FD3B43C5947C857D"},
	}
	for i, want := range bee2 {
		c, err := NamedCurve(i)
		require.NoError(t, err)
		require.Equal(t, want.m, c.M())
		require.Equal(t, asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 3, 1, 1, 2, i}, asn1.ObjectIdentifier(c.OID))
		var poly elem
		for _, k := range append([]int{want.m, 0}, want.poly...) {
			poly[k/64] |= 1 << (k % 64)
		}
		require.Equal(t, poly, c.f.poly, "m = %d: polynomial", want.m)
		require.Equal(t, elem{want.a}, c.a, "m = %d: A", want.m)
		require.Equal(t, fromLE(leHex(t, want.b)), c.b, "m = %d: B", want.m)
		require.Equal(t, leInt(leHex(t, want.n)), c.n, "m = %d: N", want.m)
		if want.baseX != "" {
			require.Equal(t, fromBig(hexInt(t, want.baseX)), c.g.x, "m = %d: base point", want.m)
		}
		require.True(t, c.onCurve(c.g))
	}
	_, err := NamedCurve(10)
	require.ErrorIs(t, err, ErrCurve)
}

// rawCert is as much of a certificate as checking its signature needs.
// Go's x509 refuses Cryptonite's certificates (their outer signature
// algorithm carries the curve parameters, the inner one does not), so
// they are read here.
type rawCert struct {
	tbs, spki, sig []byte
}

func readCert(t *testing.T, name string) rawCert {
	t.Helper()
	der, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	var c struct {
		TBS    asn1.RawValue
		SigAlg asn1.RawValue
		Sig    asn1.BitString
	}
	_, err = asn1.Unmarshal(der, &c)
	require.NoError(t, err, name)
	var tbs struct {
		Version                           int `asn1:"optional,explicit,default:0,tag:0"`
		Serial                            *big.Int
		SigAlg, Issuer, Validity, Subject asn1.RawValue
		SPKI                              asn1.RawValue
	}
	_, err = asn1.Unmarshal(c.TBS.FullBytes, &tbs)
	require.NoError(t, err, name)
	return rawCert{tbs: c.TBS.FullBytes, spki: tbs.SPKI.FullBytes, sig: c.Sig.RightAlign()}
}

// verifyCert checks cert's ДСТУ 4145 signature with issuer's key: the ГОСТ
// 34.311 hash (with the S-boxes of the issuer's parameters) of the
// to-be-signed part; the signature BIT STRING holds an OCTET STRING of
// r‖s.
func verifyCert(t *testing.T, cert, issuer rawCert) bool {
	t.Helper()
	pub, err := ParsePublicKey(issuer.spki)
	require.NoError(t, err)
	sbox := gost34311.DefaultSBox
	if pub.DKE != nil {
		sbox, err = gost34311.UnpackSBox(pub.DKE)
		require.NoError(t, err)
	}
	h := gost34311.New(sbox)
	h.Write(cert.tbs)
	var rs []byte
	_, err = asn1.Unmarshal(cert.sig, &rs)
	require.NoError(t, err)
	return Verify(pub, h.Sum(nil), rs)
}

// Real certificates signed by other implementations (testdata/README.md
// says where each comes from): the chain's signatures verify, and a
// changed certificate does not.
func TestRealCertificates(t *testing.T) {
	t.Parallel()
	czo2012 := readCert(t, "czo-2012-root.cer")
	czo2020 := readCert(t, "czo-2020-root.cer")
	diia := readCert(t, "diia-ca.cer")
	sign := readCert(t, "diia-test-sign.cer")
	cnRoot := readCert(t, "cryptonite-root.cer")
	cnUser := readCert(t, "cryptonite-userfiz.cer")
	for _, c := range []struct {
		name         string
		cert, issuer rawCert
	}{
		{"ЦЗО 2012 root, self-signed", czo2012, czo2012},
		{"ЦЗО 2020 root, self-signed", czo2020, czo2020},
		{"Дія CA by the ЦЗО 2020 root", diia, czo2020},
		{"a test signer by the Дія CA", sign, diia},
		{"Cryptonite's root, self-signed", cnRoot, cnRoot},
		{"Cryptonite's personal certificate by its root", cnUser, cnRoot},
	} {
		require.True(t, verifyCert(t, c.cert, c.issuer), c.name)
	}
	require.False(t, verifyCert(t, diia, czo2012), "the Дія CA with the wrong root's key")

	tampered := sign
	tampered.tbs = slices.Clone(sign.tbs)
	tampered.tbs[len(tampered.tbs)-40] ^= 1
	require.False(t, verifyCert(t, tampered, diia), "a changed certificate")

	// The ЦЗО's and Дія's keys give their curves explicitly, and they are
	// the named curves m = 431 and m = 257 (a third source for those
	// tables); Cryptonite's name theirs.
	for _, c := range []struct {
		cert  rawCert
		named int
		oid   bool
	}{{czo2020, 9, false}, {diia, 6, false}, {cnRoot, 6, true}} {
		pub, err := ParsePublicKey(c.cert.spki)
		require.NoError(t, err)
		want, err := NamedCurve(c.named)
		require.NoError(t, err)
		require.Equal(t, c.oid, pub.Curve.OID != nil)
		got := *pub.Curve
		got.OID = want.OID
		require.Equal(t, *want, got)
		require.Equal(t, gost34311.DefaultDKE[:], pub.DKE)
	}

	// Go's x509 reads the real ones (the signature module relies on it).
	for _, name := range []string{"czo-2012-root.cer", "czo-2020-root.cer", "diia-ca.cer", "diia-test-sign.cer"} {
		der, err := os.ReadFile("testdata/" + name)
		require.NoError(t, err)
		_, err = x509.ParseCertificate(der)
		require.NoError(t, err, name)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	czo := readCert(t, "czo-2020-root.cer")
	_, err := ParsePublicKey(czo.spki[:20])
	require.ErrorIs(t, err, ErrPoint)
	c, err := NamedCurve(6)
	require.NoError(t, err)
	q := c.Compress(c.BaseMult(big.NewInt(7)))
	_, err = NewPublicKey(c, q)
	require.NoError(t, err)
	_, err = NewPublicKey(c, append(q, 0xff))
	require.ErrorIs(t, err, ErrPoint, "longer than the field")
	_, err = NewPublicKey(c, make([]byte, len(q)))
	require.ErrorIs(t, err, ErrPoint, "x = 0 is not a point of order N")
	// The big-endian variant is refused by name, not misread.
	var spki struct {
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue
		}
		PublicKey asn1.BitString
	}
	_, err = asn1.Unmarshal(czo.spki, &spki)
	require.NoError(t, err)
	spki.Algorithm.Algorithm = OIDPolynomialBE
	be, err := asn1.Marshal(spki)
	require.NoError(t, err)
	_, err = ParsePublicKey(be)
	require.ErrorIs(t, err, ErrBigEndian)
	// An unknown named curve.
	_, _, err = ParseParams([]byte{0x30, 0x0f, 0x06, 0x0d, 0x2a, 0x86, 0x24, 0x02, 0x01, 0x01, 0x01, 0x01, 0x03, 0x01, 0x01, 0x02, 0x0a})
	require.ErrorIs(t, err, ErrCurve)
}

func BenchmarkVerify257(b *testing.B) {
	c, _ := NamedCurve(6)
	d := big.NewInt(123456789)
	pub, _ := NewPublicKey(c, c.Compress(c.BaseMult(new(big.Int).Sub(c.n, d))))
	h := make([]byte, 32)
	for b.Loop() {
		Verify(pub, h, sig(c, new(big.Int).Sub(c.n, big.NewInt(5)), new(big.Int).Sub(c.n, big.NewInt(7))))
	}
}
