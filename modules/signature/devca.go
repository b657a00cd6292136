package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"

	"hromada/ukid"
)

// DevCA is a development certificate authority standing in for a
// qualified trust service provider: an ECDSA P-256 root that issues
// residents' signing certificates shaped like Ukrainian qualified ones
// (subject serialNumber "TINUA-<РНОКПП>"). For development and tests only.
type DevCA struct {
	Certificate *x509.Certificate
	Key         crypto.Signer
}

// NewDevCA makes a self-signed ECDSA P-256 root named name, valid from
// three years ago for ten years from now. (Back-dated because a signature
// is judged at the time it is received by the service's clock, and tests
// run the service on a fixed date in the past.)
func NewDevCA(name string) (*DevCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := randSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Country: []string{"UA"}, Organization: []string{name}},
		NotBefore:             now.AddDate(-3, 0, 0),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("signature: dev CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &DevCA{Certificate: cert, Key: key}, nil
}

// Pool returns a pool holding only the CA's root, for VerifyOptions.Roots.
func (ca *DevCA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Certificate)
	return p
}

// Issue makes a resident's ECDSA P-256 signing key and a certificate for
// it valid from two years ago to two years on (back-dated like the root):
// subject serialNumber "TINUA-<rnokpp>", CN
// fullName, key usage digitalSignature and nonRepudiation. rnokpp must pass
// ukid.ValidRNOKPP.
func (ca *DevCA) Issue(rnokpp, fullName string) (*x509.Certificate, crypto.Signer, error) {
	now := time.Now()
	return ca.IssueValid(rnokpp, fullName, now.AddDate(-2, 0, 0), now.AddDate(2, 0, 0))
}

// IssueValid is Issue with the certificate valid from notBefore to
// notAfter: the tests' expired and not-yet-valid certificates.
func (ca *DevCA) IssueValid(rnokpp, fullName string, notBefore, notAfter time.Time) (*x509.Certificate, crypto.Signer, error) {
	if !ukid.ValidRNOKPP(rnokpp) {
		return nil, nil, fmt.Errorf("signature: dev CA: invalid РНОКПП %q", rnokpp)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	subject := pkix.Name{CommonName: fullName, SerialNumber: "TINUA-" + rnokpp, Country: []string{"UA"}}
	cert, err := ca.issue(key.Public(), subject, notBefore, notAfter)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// issue signs a leaf certificate for pub.
func (ca *DevCA) issue(pub crypto.PublicKey, subject pkix.Name, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	if ca == nil || ca.Certificate == nil || ca.Key == nil {
		return nil, errors.New("signature: dev CA is not initialised")
	}
	serial, err := randSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Certificate, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("signature: dev CA: %w", err)
	}
	return x509.ParseCertificate(der)
}

func randSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// SignDetached makes a detached CMS SignedData (DER) over data with key,
// carrying cert and the signed attributes contentType, messageDigest
// (SHA-256) and signingTime (now). It is what a resident's signing tool
// produces, for development and tests; VerifyDetached checks it. It is
// SignDigest over the data's SHA-256, so local and remote signing produce
// the same structure.
func SignDetached(data []byte, cert *x509.Certificate, key crypto.Signer) ([]byte, error) {
	digest := sha256.Sum256(data)
	return SignDigest(digest[:], cert, key, time.Now())
}
