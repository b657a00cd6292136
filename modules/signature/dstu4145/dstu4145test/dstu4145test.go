// Package dstu4145test signs with ДСТУ 4145-2002 for tests: a key pair on
// a named curve, the signature of a digest, and a certification authority
// that issues ДСТУ 4145 certificates (which Go's x509 cannot make). It is
// a test double: production code verifies and never signs (depguard in
// .golangci.yml keeps it out).
package dstu4145test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"

	"hromada/modules/signature/dstu4145"
	"hromada/modules/signature/gost34311"
)

// Key is a ДСТУ 4145 key pair on a named curve, with the ДКЕ №1 S-boxes
// in its parameters as Ukrainian keys carry them.
type Key struct {
	Curve *dstu4145.Curve
	d     *big.Int
	// SPKI is the DER SubjectPublicKeyInfo of the public key.
	SPKI []byte
}

// GenerateKey makes a key pair on the standard's named curve i (6 is
// m = 257, what Ukrainian qualified certificates mostly use).
func GenerateKey(i int) (*Key, error) {
	c, err := dstu4145.NamedCurve(i)
	if err != nil {
		return nil, err
	}
	d, err := scalar(c)
	if err != nil {
		return nil, err
	}
	// Q = −d·G = (N−d)·G, as ДСТУ 4145-2002 defines the public key.
	q := c.Compress(c.BaseMult(new(big.Int).Sub(c.N(), d)))
	qOctets, err := asn1.Marshal(q)
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(struct {
		Curve asn1.ObjectIdentifier
		DKE   []byte
	}{c.OID, gost34311.DefaultDKE[:]})
	if err != nil {
		return nil, err
	}
	spki, err := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}{
		pkix.AlgorithmIdentifier{Algorithm: dstu4145.OIDPolynomialLE, Parameters: asn1.RawValue{FullBytes: params}},
		asn1.BitString{Bytes: qOctets, BitLength: 8 * len(qOctets)},
	})
	if err != nil {
		return nil, err
	}
	return &Key{Curve: c, d: d, SPKI: spki}, nil
}

// scalar is a random number in [1, N).
func scalar(c *dstu4145.Curve) (*big.Int, error) {
	for {
		k, err := rand.Int(rand.Reader, c.N())
		if err != nil {
			return nil, err
		}
		if k.Sign() > 0 {
			return k, nil
		}
	}
}

// Sign signs digest (as the hash function output it) per ДСТУ 4145-2002
// and returns r‖s, each little-endian in ⌈L(N)/8⌉ bytes, as Ukrainian
// CMS carries it.
func (k *Key) Sign(digest []byte) ([]byte, error) {
	c := k.Curve
	n := c.N()
	for {
		e, err := scalar(c)
		if err != nil {
			return nil, err
		}
		R := c.BaseMult(e)
		if R.X == nil || R.X.Sign() == 0 {
			continue
		}
		r := c.SignatureR(R.X, digest)
		if r.Sign() == 0 {
			continue
		}
		s := new(big.Int).Mul(k.d, r)
		s.Add(s, e).Mod(s, n)
		if s.Sign() == 0 {
			continue
		}
		l := (n.BitLen() + 7) / 8
		out := make([]byte, 2*l)
		r.FillBytes(out[:l])
		s.FillBytes(out[l:])
		slices.Reverse(out[:l])
		slices.Reverse(out[l:])
		return out, nil
	}
}

// CA is a ДСТУ 4145 certification authority with a self-signed root.
type CA struct {
	Certificate *x509.Certificate
	Key         *Key
	serial      int64
}

// NewCA makes a CA named name, valid from an hour ago for a year.
func NewCA(name string) (*CA, error) {
	key, err := GenerateKey(6)
	if err != nil {
		return nil, err
	}
	ca := &CA{Key: key}
	now := time.Now()
	ca.Certificate, err = ca.issue(Template{
		Subject:   pkix.Name{CommonName: name, Organization: []string{name}, Country: []string{"UA"}},
		NotBefore: now.Add(-time.Hour),
		NotAfter:  now.AddDate(1, 0, 0),
		IsCA:      true,
	}, key, nil)
	return ca, err
}

// Template is what an issued certificate says.
type Template struct {
	Subject             pkix.Name
	NotBefore, NotAfter time.Time
	IsCA                bool
	// ExtraExtensions are added after the usual ones.
	ExtraExtensions []pkix.Extension
}

// Issue makes a certificate for key, signed by the CA.
func (ca *CA) Issue(t Template, key *Key) (*x509.Certificate, error) {
	return ca.issue(t, key, ca.Certificate)
}

// issue writes the certificate (RFC 5280 §4.1) and signs its
// to-be-signed part: ГОСТ 34.311 with the issuer's S-boxes, then ДСТУ
// 4145; the signature BIT STRING holds an OCTET STRING of r‖s, and the
// algorithm is 1.2.804.2.1.1.1.1.3.1.1 with no parameters, as in
// Ukrainian certificates. issuer nil means self-signed.
func (ca *CA) issue(t Template, key *Key, issuer *x509.Certificate) (*x509.Certificate, error) {
	subject, err := asn1.Marshal(t.Subject.ToRDNSequence())
	if err != nil {
		return nil, err
	}
	issuerName := subject
	if issuer != nil {
		issuerName = issuer.RawSubject
	}
	ski := gost34311.Sum(key.SPKI)
	authority := ski
	if issuer != nil {
		copy(authority[:], issuer.SubjectKeyId)
	}
	exts, err := extensions(t, ski[:], authority[:])
	if err != nil {
		return nil, err
	}
	ca.serial++
	alg := pkix.AlgorithmIdentifier{Algorithm: dstu4145.OIDPolynomialLE}
	tbs, err := asn1.Marshal(struct {
		Version    int `asn1:"explicit,tag:0"`
		Serial     *big.Int
		Algorithm  pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		Validity   struct{ NotBefore, NotAfter time.Time }
		Subject    asn1.RawValue
		SPKI       asn1.RawValue
		Extensions []pkix.Extension `asn1:"explicit,tag:3"`
	}{
		Version: 2, Serial: big.NewInt(time.Now().UnixNano() + ca.serial), Algorithm: alg,
		Issuer:     asn1.RawValue{FullBytes: issuerName},
		Validity:   struct{ NotBefore, NotAfter time.Time }{t.NotBefore.UTC().Truncate(time.Second), t.NotAfter.UTC().Truncate(time.Second)},
		Subject:    asn1.RawValue{FullBytes: subject},
		SPKI:       asn1.RawValue{FullBytes: key.SPKI},
		Extensions: exts,
	})
	if err != nil {
		return nil, err
	}
	digest := gost34311.Sum(tbs)
	rs, err := ca.Key.Sign(digest[:])
	if err != nil {
		return nil, err
	}
	sig, err := asn1.Marshal(rs)
	if err != nil {
		return nil, err
	}
	der, err := asn1.Marshal(struct {
		TBS       asn1.RawValue
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, alg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("dstu4145test: the certificate made does not parse: %w", err)
	}
	return cert, nil
}

var (
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
)

func extensions(t Template, ski, aki []byte) ([]pkix.Extension, error) {
	usage := asn1.BitString{Bytes: []byte{0xc0}, BitLength: 2} // digitalSignature, nonRepudiation
	if t.IsCA {
		usage = asn1.BitString{Bytes: []byte{0x06}, BitLength: 7} // keyCertSign, cRLSign
	}
	ku, err := asn1.Marshal(usage)
	if err != nil {
		return nil, err
	}
	bc, err := asn1.Marshal(struct {
		IsCA bool `asn1:"optional"`
	}{t.IsCA})
	if err != nil {
		return nil, err
	}
	skid, err := asn1.Marshal(ski)
	if err != nil {
		return nil, err
	}
	akid, err := asn1.Marshal(struct {
		ID []byte `asn1:"optional,tag:0"`
	}{aki})
	if err != nil {
		return nil, err
	}
	return append([]pkix.Extension{
		{Id: oidKeyUsage, Critical: true, Value: ku},
		{Id: oidBasicConstraints, Critical: true, Value: bc},
		{Id: oidSubjectKeyID, Value: skid},
		{Id: oidAuthorityKeyID, Value: akid},
	}, t.ExtraExtensions...), nil
}
