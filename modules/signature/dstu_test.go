package signature

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"hash"
	"os"
	"testing"
	"time"

	"hromada/modules/signature/dstu4145"
	"hromada/modules/signature/dstu4145/dstu4145test"
	"hromada/modules/signature/gost34311"
	"hromada/modules/signature/kupyna"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signDSTU makes a detached CMS SignedData as Ukrainian signing tools do:
// digest algorithm ГОСТ 34.311 (or Kupyna), signature algorithm
// 1.2.804.2.1.1.1.1.3.1.1, signed attributes contentType, messageDigest
// and signingTime, r‖s little-endian in the signature octet string.
func signDSTU(t testing.TB, data []byte, cert *x509.Certificate, key *dstu4145test.Key, digestAlg asn1.ObjectIdentifier, newHash func() hash.Hash, at time.Time, extra ...*x509.Certificate) []byte {
	t.Helper()
	attrs, err := signedAttrs(sum(newHash, data), at)
	require.NoError(t, err)
	toSign, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: attrs})
	require.NoError(t, err)
	sig, err := key.Sign(sum(newHash, toSign))
	require.NoError(t, err)
	certs := cert.Raw
	for _, c := range extra {
		certs = append(append([]byte{}, certs...), c.Raw...)
	}
	alg := pkix.AlgorithmIdentifier{Algorithm: digestAlg}
	sd, err := asn1.Marshal(cmsSignedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{alg},
		EncapContentInfo: cmsEncapContentInfo{EContentType: oidData},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs},
		SignerInfos: []cmsSignerInfo{{
			Version:            1,
			SID:                cmsIssuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, SerialNumber: cert.SerialNumber},
			DigestAlgorithm:    alg,
			SignedAttrs:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: attrs},
			SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: []int{1, 2, 804, 2, 1, 1, 1, 1, 3, 1, 1}},
			Signature:          sig,
		}},
	})
	require.NoError(t, err)
	out, err := asn1.Marshal(cmsContentInfo{ContentType: oidSignedData, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd}})
	require.NoError(t, err)
	return out
}

func gost() hash.Hash { return gost34311.New(gost34311.DefaultSBox) }

type dstuBundle struct {
	ca   *dstu4145test.CA
	cert *x509.Certificate
	key  *dstu4145test.Key
}

func dstuSetup(t testing.TB) dstuBundle {
	t.Helper()
	ca, err := dstu4145test.NewCA("Тестовий кваліфікований надавач")
	require.NoError(t, err)
	key, err := dstu4145test.GenerateKey(6)
	require.NoError(t, err)
	cert, err := ca.Issue(dstu4145test.Template{
		Subject:   pkix.Name{CommonName: "Шевченко Тарас Григорович", SerialNumber: "TINUA-" + rnokppA},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
	}, key)
	require.NoError(t, err)
	return dstuBundle{ca: ca, cert: cert, key: key}
}

// A ДСТУ 4145 signature with ГОСТ 34.311 from a DSTU CA verifies through
// VerifyDetached like an ECDSA one; each way of being wrong is refused
// with its own error.
func TestVerifyDSTU(t *testing.T) {
	t.Parallel()
	b := dstuSetup(t)
	signedAt := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	cms := signDSTU(t, testData, b.cert, b.key, oidGOST34311, gost, signedAt)
	opts := VerifyOptions{DSTUAnchors: []*x509.Certificate{b.ca.Certificate}, WantRNOKPP: rnokppA}

	s, err := VerifyDetached(testData, cms, opts)
	require.NoError(t, err)
	require.Equal(t, rnokppA, s.RNOKPP)
	require.Equal(t, "Шевченко Тарас Григорович", s.CommonName)
	require.Equal(t, b.cert.Raw, s.Certificate.Raw)
	require.Equal(t, b.ca.Certificate.Raw, s.Issuer.Raw, "the issuer on the chain, whose revocation status is asked")
	require.True(t, signedAt.Equal(s.SigningTime))

	t.Run("Tampered", func(t *testing.T) {
		t.Parallel()
		tampered := bytes.Replace(testData, []byte("dovidka"), []byte("dovidkA"), 1)
		_, err := VerifyDetached(tampered, cms, opts)
		require.ErrorIs(t, err, ErrBadSignature)
		// The signature's last byte changed.
		bad := bytes.Clone(cms)
		bad[len(bad)-1] ^= 1
		_, err = VerifyDetached(testData, bad, opts)
		require.ErrorIs(t, err, ErrBadSignature)
	})
	t.Run("Untrusted", func(t *testing.T) {
		t.Parallel()
		other, err := dstu4145test.NewCA("Тестовий кваліфікований надавач") // the same name, another key
		require.NoError(t, err)
		_, err = VerifyDetached(testData, cms, VerifyOptions{DSTUAnchors: []*x509.Certificate{other.Certificate}})
		require.ErrorIs(t, err, ErrUntrusted)
		_, err = VerifyDetached(testData, cms, VerifyOptions{Roots: devCA(t).Pool()})
		require.ErrorIs(t, err, ErrUntrusted, "ECDSA roots do not make a DSTU chain")
	})
	t.Run("WrongSigner", func(t *testing.T) {
		t.Parallel()
		_, err := VerifyDetached(testData, cms, VerifyOptions{DSTUAnchors: opts.DSTUAnchors, WantRNOKPP: rnokppB})
		require.ErrorIs(t, err, ErrWrongSigner)
	})
	t.Run("Expired", func(t *testing.T) {
		t.Parallel()
		late := signDSTU(t, testData, b.cert, b.key, oidGOST34311, gost, time.Now().AddDate(2, 0, 0))
		_, err := VerifyDetached(testData, late, opts)
		require.ErrorIs(t, err, ErrExpired)
	})
	t.Run("UnknownCriticalExtension", func(t *testing.T) {
		t.Parallel()
		key, err := dstu4145test.GenerateKey(6)
		require.NoError(t, err)
		cert, err := b.ca.Issue(dstu4145test.Template{
			Subject:   pkix.Name{CommonName: "Незрозумілий", SerialNumber: "TINUA-" + rnokppA},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}}},
		}, key)
		require.NoError(t, err)
		_, err = VerifyDetached(testData, signDSTU(t, testData, cert, key, oidGOST34311, gost, signedAt), opts)
		require.ErrorIs(t, err, ErrUntrusted)
	})
	t.Run("Kupyna", func(t *testing.T) {
		t.Parallel()
		for _, k := range []struct {
			oid asn1.ObjectIdentifier
			h   func() hash.Hash
		}{{oidKupyna256, kupyna.New256}, {oidKupyna512, kupyna.New512}} {
			s, err := VerifyDetached(testData, signDSTU(t, testData, b.cert, b.key, k.oid, k.h, signedAt), opts)
			require.NoError(t, err, k.oid.String())
			require.Equal(t, rnokppA, s.RNOKPP)
			// Claiming one hash and using another fails.
			_, err = VerifyDetached(testData, signDSTU(t, testData, b.cert, b.key, k.oid, gost, signedAt), opts)
			require.ErrorIs(t, err, ErrBadSignature)
		}
		_, err := VerifyDetached(testData, signDSTU(t, testData, b.cert, b.key, asn1.ObjectIdentifier{1, 2, 804, 2, 1, 1, 1, 1, 2, 2, 2}, gost, signedAt), opts)
		require.ErrorIs(t, err, ErrUnsupportedAlgorithm, "Kupyna-384 is not implemented")
	})
	t.Run("Intermediate", func(t *testing.T) {
		t.Parallel()
		subKey, err := dstu4145test.GenerateKey(6)
		require.NoError(t, err)
		subCert, err := b.ca.Issue(dstu4145test.Template{
			Subject:   pkix.Name{CommonName: "Проміжний ЦСК"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), IsCA: true,
		}, subKey)
		require.NoError(t, err)
		sub := &dstu4145test.CA{Certificate: subCert, Key: subKey}
		key, err := dstu4145test.GenerateKey(6)
		require.NoError(t, err)
		cert, err := sub.Issue(dstu4145test.Template{
			Subject:   pkix.Name{CommonName: "Франко Іван", SerialNumber: "TINUA-" + rnokppB},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		}, key)
		require.NoError(t, err)
		withSub := signDSTU(t, testData, cert, key, oidGOST34311, gost, signedAt, subCert)
		s, err := VerifyDetached(testData, withSub, VerifyOptions{DSTUAnchors: opts.DSTUAnchors, WantRNOKPP: rnokppB})
		require.NoError(t, err)
		require.Equal(t, "Франко Іван", s.CommonName)
		// Without the intermediate in the CMS there is no path; with it as
		// the anchor (a Trusted List names issuing CAs) there is.
		alone := signDSTU(t, testData, cert, key, oidGOST34311, gost, signedAt)
		_, err = VerifyDetached(testData, alone, VerifyOptions{DSTUAnchors: opts.DSTUAnchors})
		require.ErrorIs(t, err, ErrUntrusted)
		_, err = VerifyDetached(testData, alone, VerifyOptions{DSTUAnchors: []*x509.Certificate{subCert}})
		require.NoError(t, err)
		// A personal certificate cannot issue one.
		fake := &dstu4145test.CA{Certificate: b.cert, Key: b.key}
		forged, err := fake.Issue(dstu4145test.Template{
			Subject:   pkix.Name{CommonName: "Підробка", SerialNumber: "TINUA-" + rnokppB},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		}, key)
		require.NoError(t, err)
		_, err = VerifyDetached(testData, signDSTU(t, testData, forged, key, oidGOST34311, gost, signedAt, b.cert), VerifyOptions{DSTUAnchors: opts.DSTUAnchors})
		require.ErrorIs(t, err, ErrUntrusted)
	})
	t.Run("BER", func(t *testing.T) {
		t.Parallel()
		// The same CMS with an indefinite-length outer SEQUENCE: pkcs7
		// reads it, the DER reader does not, so only External may judge it.
		require.Equal(t, []byte{0x30, 0x82}, cms[:2])
		ber := append(append([]byte{0x30, 0x80}, cms[4:]...), 0, 0)
		_, err := VerifyDetached(testData, ber, opts)
		require.ErrorIs(t, err, ErrMalformed)
		s, err := VerifyDetached(testData, ber, VerifyOptions{External: fakeExternal{&Signer{RNOKPP: rnokppA}}})
		require.NoError(t, err)
		require.Equal(t, rnokppA, s.RNOKPP)
	})
	t.Run("External", func(t *testing.T) {
		t.Parallel()
		// A certified library, when plugged in, decides instead.
		s, err := VerifyDetached(testData, cms, VerifyOptions{External: fakeExternal{&Signer{RNOKPP: rnokppB}}})
		require.NoError(t, err)
		require.Equal(t, rnokppB, s.RNOKPP)
	})
}

// A CMS made by another implementation: jkurwa's detached signature of
// "123" (testdata/README.md), with its signed attributes in the order it
// wrote them. Go's x509 refuses jkurwa's self-signed certificate (its
// authority key identifier is a bare octet string), so the signer's key
// is read from it here and the signer info checked as verifyDSTU does.
func TestVerifyDSTUJkurwa(t *testing.T) {
	t.Parallel()
	cms, err := os.ReadFile("testdata/jkurwa-message-detached.p7")
	require.NoError(t, err)
	sd, err := parseSignedData(cms)
	require.NoError(t, err)
	require.False(t, sd.attached)
	require.Len(t, sd.rawCerts, 1)
	sd.readCerts()
	require.Error(t, sd.certErr)
	_, err = VerifyDetached([]byte("123"), cms, VerifyOptions{Seal: true})
	require.ErrorIs(t, err, ErrMalformed, "the signer's certificate does not parse")

	// The certificate's SubjectPublicKeyInfo: the seventh field of the
	// to-be-signed part.
	in := cryptobyte.String(sd.rawCerts[0])
	var c, tbs, spki cryptobyte.String
	require.True(t, in.ReadASN1(&c, cbasn1.SEQUENCE) && c.ReadASN1(&tbs, cbasn1.SEQUENCE))
	require.True(t, tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()))
	for range 5 { // serial, signature, issuer, validity, subject
		var skip cryptobyte.String
		var tag cbasn1.Tag
		require.True(t, tbs.ReadAnyASN1(&skip, &tag))
	}
	require.True(t, tbs.ReadASN1Element(&spki, cbasn1.SEQUENCE))
	pub, err := dstu4145.ParsePublicKey(spki)
	require.NoError(t, err)

	si := sd.signers[0]
	newHash, err := cmsHash(si.digestAlg, si.sigAlg, pub)
	require.NoError(t, err)
	a, err := si.attrs()
	require.NoError(t, err)
	require.Equal(t, time.Date(2018, 10, 22, 19, 25, 5, 0, time.UTC), a.signingTime.UTC())
	require.True(t, a.contentType.Equal(oidData))
	require.Equal(t, sum(newHash, []byte("123")), a.messageDigest)
	require.NotEqual(t, sum(newHash, []byte("124")), a.messageDigest)
	require.True(t, verifyRS(pub, sum(newHash, si.signedAttrsToSign()), si.signature))
	attrs := bytes.Clone(si.signedAttrs)
	attrs[len(attrs)-1] ^= 1 // the signing time's last byte
	si.signedAttrs = attrs
	require.False(t, verifyRS(pub, sum(newHash, si.signedAttrsToSign()), si.signature))

	attached, err := os.ReadFile("testdata/jkurwa-message.p7")
	require.NoError(t, err)
	_, err = VerifyDetached([]byte("123"), attached, VerifyOptions{Seal: true})
	require.ErrorIs(t, err, ErrNotDetached)
}

// The module's chain check on a real chain: a "Дія" test signing
// certificate, the "Дія" CA and the 2020 root of the Central
// certification authority (dstu4145/testdata/README.md).
func TestDSTUChainReal(t *testing.T) {
	t.Parallel()
	read := func(name string) *x509.Certificate {
		der, err := os.ReadFile("dstu4145/testdata/" + name)
		require.NoError(t, err)
		c, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return c
	}
	root, diia, leaf := read("czo-2020-root.cer"), read("diia-ca.cer"), read("diia-test-sign.cer")
	at := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, verifyDSTUChain(leaf, []*x509.Certificate{diia}, []*x509.Certificate{root}, at))
	require.NoError(t, verifyDSTUChain(leaf, nil, []*x509.Certificate{diia}, at))
	require.ErrorIs(t, verifyDSTUChain(leaf, nil, []*x509.Certificate{root}, at), ErrUntrusted)
	require.ErrorIs(t, verifyDSTUChain(leaf, []*x509.Certificate{diia}, []*x509.Certificate{read("czo-2012-root.cer")}, at), ErrUntrusted)
	// Many certificates with the CA's name in the CMS cost a bounded
	// number of signature checks, then an answer.
	many := make([]*x509.Certificate, 40)
	for i := range many {
		many[i] = diia
	}
	require.ErrorIs(t, verifyDSTUChain(leaf, many, []*x509.Certificate{read("czo-2012-root.cer")}, at), ErrUntrusted)
	// The Дія CA expired in June 2025.
	require.ErrorIs(t, verifyDSTUChain(leaf, []*x509.Certificate{diia}, []*x509.Certificate{root}, time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)), ErrExpired)
}
