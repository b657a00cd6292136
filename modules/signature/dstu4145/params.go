package dstu4145

import (
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
)

// Object identifiers of ДСТУ 4145-2002 in Ukrainian certificates and CMS
// (the arc 1.2.804.2.1.1.1.1.3.1 of the Ukrainian crypto authority, as
// UAPKI's library/common/pkix/oids.h and Cryptonite list them).
var (
	// OIDPolynomialLE is "ДСТУ 4145 in polynomial basis, little-endian
	// signature and key", the algorithm of the keys and (with the ГОСТ
	// 34.311 hash) of the signatures of Ukrainian certificates.
	OIDPolynomialLE = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 3, 1, 1}
	// OIDPolynomialBE is the same with big-endian encodings. It is
	// recognised to be refused clearly: no implementation or certificate
	// seen uses it, and without a test vector it is not verified here.
	OIDPolynomialBE = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 3, 1, 1, 1, 1}
	// oidNamedCurves is the arc of the standard's ten curves: .0 for
	// m = 163 … .9 for m = 431.
	oidNamedCurves = asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 3, 1, 1, 2}
)

// Errors of ParsePublicKey for keys it does not read: of another
// algorithm, or of the big-endian variant (OIDPolynomialBE).
var (
	ErrNotDSTU   = errors.New("dstu4145: not a ДСТУ 4145 key")
	ErrBigEndian = errors.New("dstu4145: big-endian (1.2.804.2.1.1.1.1.3.1.1.1.1) keys are not supported")
)

// namedCurves are the ten recommended curves of ДСТУ 4145-2002 (with the
// base points of the Ukrainian named-curve identifiers), each as the
// DER of its explicit ECBinary with little-endian octet strings. They are
// the encodings UAPKI compares explicit parameters with
// (library/common/pkix/dstu4145-params.c, DSTU4145_M*_PB_LE); the tests
// check m, the polynomial, A, B and N against bee2 (src/crypto/dstu.c),
// the base points of m = 191, 257 and 431 against jkurwa
// (lib/standard.js), and m = 257 and 431 whole against the explicit
// parameters of real certificates (the ЦЗО's root and the "Дія" CA).
var namedCurves = [10]string{
	"3059300f020200a330090201030201060201070201010415215d45c1198a635e9203b40a21c82d2a460861ff0502150400000000000000000002bec12be2262d39bcf14d0415be2358f3a3f8da297223c4a583e94cd75d5ff8e202",
	"30513007020200a70201060201010415ac7d825a31a4f130098a51209f75110823ebcee36e02153fffffffffffffffffffffb12ebcc7d7f29ff7701f041554cd218b01a2b2303d0a91032819686a7853661f7a",
	"305c300f020200ad300902010102010202010a0201000416d937b46f6b8f27bb3b85f6dd6ec12fdb9904c876851002160800000000000000000000189b4e67606e3825bb28310416ca8973d381917a56ad2fa28f44f0ad6ecc9b611ad404",
	"305f300f020200b33009020101020102020104020101041710b7be724518042de341a307dd882f6f43266585e0a604021703ffffffffffffffffffffffb981960435fe5ab64236ef0417027d2c02674695a99b81487fc56dd22b4b4651fe06ba06",
	"305a3007020200bf020109020101041803fcfe502748e027ff81496b8b0e89d5c42e9002216ec87b021840000000000000000000000069a779cac1dabc6788f7474f04182871ebda76fefcc2b5b958acd2a612794afff262b7144171",
	"3074300f020200e93009020101020104020109020101041e2c4d45ce6e93aa26038a3bddf54ed51ba2647ecfc73455679550b1736900021e01000000000000000000000000000013e974e72f8a6922031d2603cfe0d7041e96fe5eb2ee03d02827f345351d76313c5bf38d11a13bf8cdb626a5cd3f00",
	"307530070202010102010c020100042110bee3db6aea9e1f86578c45c12594ff942394a7d738f9187e6515017294f4ce01022100800000000000000000000000000000006759213af182e987d3e17714907d470d0421b60fd2d8dce8a93423c6101bca91c47a007e6c300b26cd556c9b0e7d20ef292a00",
	"30818f300f0202013330090201020201040201080201010427bb6849908601c9bd90608bf10d0541e2e2e299c5c096424fe93d6d6c5e4b05b56636d5f7c79303022703ffffffffffffffffffffffffffffffffffffffc079c2f3825da70d390fbba588d4604022b7b70427aa32726e2dc0523c7467316d279b237a085a82cd5cf76bd1f1921e4c9824021a299d188bee1602",
	"30819c30070202016f020115020101042e365199567b435597a7794c39923df9b8daca42fe2a0c4ba6a46abf476b55474465d57a62d1f3a6b7b042d28afc43022e40000000000000000000000000000000000000000000009c300b75a3fa824f22428fd28ce8812245ef44049b2d49042ea0b9b34135374abf789f109ae512feb53996e081a60c401ae87b3e41767a1961f9d3e09aa9498cf012d5dd6e4a32",
	"3081bc300f020201af30090201010201030201050201010436f3ca40c669a4da173149ca12c32dae186b53ac6bc6365997deaeae8ad2d888f9bfd53401694ef9c4273d8cfe6dc28f706a0f4910ce0302363fffffffffffffffffffffffffffffffffffffffffffffffffffffba3175458009a8c0a724f02f81aa8a1fcbaf80d90c7a95110504cf04367c857c94c5433bfd991e17c22684065850a9a249ed7bc249ae5a4e878689f872ef7ad524082ec3038e9aede7ba6ba13381d979ba621a",
}

// named holds each named curve once built: building one checks its base
// point's order, which costs a scalar multiplication.
var named [len(namedCurves)]func() (*Curve, error)

func init() {
	for i := range named {
		named[i] = sync.OnceValues(func() (*Curve, error) { return buildNamed(i) })
	}
}

// NamedCurve returns the standard's curve i (0 for m = 163 … 9 for
// m = 431), named 1.2.804.2.1.1.1.1.3.1.1.2.i. The curve is shared:
// callers must not change it (nothing exported can).
func NamedCurve(i int) (*Curve, error) {
	if i < 0 || i >= len(namedCurves) {
		return nil, fmt.Errorf("%w: no named curve %d", ErrCurve, i)
	}
	return named[i]()
}

func buildNamed(i int) (*Curve, error) {
	der, err := hex.DecodeString(namedCurves[i])
	if err != nil {
		return nil, err
	}
	c, err := parseECBinary(der)
	if err != nil {
		return nil, err
	}
	c.OID = append(slices.Clone(oidNamedCurves), i)
	return c, nil
}

// ASN.1 of the parameters (ДСТУ 4145-2002 and the Ukrainian
// certificate profile):
//
//	DSTU4145Params ::= SEQUENCE {
//	    definition CHOICE { ecbinary ECBinary, namedCurve OBJECT IDENTIFIER },
//	    dke OCTET STRING OPTIONAL }           -- the ГОСТ 28147 S-boxes, 64 bytes
//	ECBinary ::= SEQUENCE {
//	    version [0] EXPLICIT INTEGER DEFAULT 0,
//	    f BinaryField, a INTEGER (0|1), b OCTET STRING,
//	    n INTEGER, bp OCTET STRING }          -- the base point, compressed
//	BinaryField ::= SEQUENCE { m INTEGER,
//	    CHOICE { trinomial INTEGER, pentanomial SEQUENCE { k, j, l INTEGER } } }
type (
	ecBinary struct {
		Version int `asn1:"optional,explicit,default:0,tag:0"`
		F       asn1.RawValue
		A       int
		B       []byte
		N       *big.Int
		BP      []byte
	}
	binaryField struct {
		M     int
		Terms asn1.RawValue
	}
	pentanomial struct{ K, J, L int }
)

func parseECBinary(der []byte) (*Curve, error) {
	var e ecBinary
	if rest, err := asn1.Unmarshal(der, &e); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: ECBinary: %v", ErrCurve, err)
	}
	var bf binaryField
	if rest, err := asn1.Unmarshal(e.F.FullBytes, &bf); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: BinaryField: %v", ErrCurve, err)
	}
	var exps []int
	switch {
	case bf.Terms.Class == asn1.ClassUniversal && bf.Terms.Tag == asn1.TagInteger:
		var k int
		if _, err := asn1.Unmarshal(bf.Terms.FullBytes, &k); err != nil {
			return nil, fmt.Errorf("%w: trinomial: %v", ErrCurve, err)
		}
		exps = []int{k}
	case bf.Terms.Class == asn1.ClassUniversal && bf.Terms.Tag == asn1.TagSequence:
		var p pentanomial
		if _, err := asn1.Unmarshal(bf.Terms.FullBytes, &p); err != nil {
			return nil, fmt.Errorf("%w: pentanomial: %v", ErrCurve, err)
		}
		exps = []int{p.K, p.J, p.L}
	default:
		return nil, fmt.Errorf("%w: BinaryField has no polynomial", ErrCurve)
	}
	return newCurve(bf.M, exps, e.A, e.B, e.N, e.BP)
}

// ParseParams reads DSTU4145Params: the curve (named or explicit) and the
// S-box set dke, nil when absent.
func ParseParams(der []byte) (*Curve, []byte, error) {
	var p struct {
		Definition asn1.RawValue
		DKE        []byte `asn1:"optional"`
	}
	if rest, err := asn1.Unmarshal(der, &p); err != nil || len(rest) > 0 {
		return nil, nil, fmt.Errorf("%w: DSTU4145Params: %v", ErrCurve, err)
	}
	if p.Definition.Class == asn1.ClassUniversal && p.Definition.Tag == asn1.TagOID {
		var oid asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(p.Definition.FullBytes, &oid); err != nil {
			return nil, nil, fmt.Errorf("%w: named curve: %v", ErrCurve, err)
		}
		if len(oid) != len(oidNamedCurves)+1 || !oid[:len(oidNamedCurves)].Equal(oidNamedCurves) {
			return nil, nil, fmt.Errorf("%w: unknown named curve %s", ErrCurve, oid)
		}
		c, err := NamedCurve(oid[len(oid)-1])
		return c, p.DKE, err
	}
	c, err := parseECBinary(p.Definition.FullBytes)
	return c, p.DKE, err
}

// ParsePublicKey reads a DER SubjectPublicKeyInfo (RFC 5280 §4.1) of a
// ДСТУ 4145 key: algorithm OIDPolynomialLE with DSTU4145Params, and the
// key as a BIT STRING holding an OCTET STRING with the compressed point.
func ParsePublicKey(spki []byte) (*PublicKey, error) {
	var s struct {
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(spki, &s); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: SubjectPublicKeyInfo: %v", ErrPoint, err)
	}
	switch {
	case s.Algorithm.Algorithm.Equal(OIDPolynomialBE):
		return nil, ErrBigEndian
	case !s.Algorithm.Algorithm.Equal(OIDPolynomialLE):
		return nil, fmt.Errorf("%w: key algorithm %s", ErrNotDSTU, s.Algorithm.Algorithm)
	}
	c, dke, err := ParseParams(s.Algorithm.Parameters.FullBytes)
	if err != nil {
		return nil, err
	}
	var q []byte
	if rest, err := asn1.Unmarshal(s.PublicKey.RightAlign(), &q); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: public key octet string: %v", ErrPoint, err)
	}
	pub, err := NewPublicKey(c, q)
	if err != nil {
		return nil, err
	}
	pub.DKE = dke
	return pub, nil
}
