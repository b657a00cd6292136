package signature

import (
	"context"
	"crypto"
	"crypto/x509"
	"sync"
	"time"
)

// DevSigner is a HashSigner that signs in-process with certificates from
// a DevCA, so that a demo resident signs in one click without a real
// qualified signature. It issues one certificate per РНОКПП on first use
// and keeps it, as a person keeps their key. For development and tests
// only: it signs for anyone it is asked to.
type DevSigner struct {
	CA *DevCA
	// Now gives the signingTime. Default time.Now.
	Now func() time.Time

	mu    sync.Mutex
	certs map[string]devIdentity
}

type devIdentity struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// NewDevSigner makes a DevSigner issuing from ca.
func NewDevSigner(ca *DevCA) *DevSigner {
	return &DevSigner{CA: ca}
}

// Sign implements HashSigner. The certificate's CN is req.FullName, or
// "Підписувач <rnokpp>" when it is empty; a later request with another
// non-empty name gets a new certificate, since the old one names someone
// else.
func (d *DevSigner) Sign(ctx context.Context, req HashRequest) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id, err := d.identity(req.RNOKPP, req.FullName)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	return SignDigest(req.Digest, id.cert, id.key, now())
}

// Certificate returns the certificate DevSigner signs with for rnokpp,
// issuing it if need be; a development UI shows it, tests inspect it.
func (d *DevSigner) Certificate(rnokpp, fullName string) (*x509.Certificate, error) {
	id, err := d.identity(rnokpp, fullName)
	if err != nil {
		return nil, err
	}
	return id.cert, nil
}

func (d *DevSigner) identity(rnokpp, fullName string) (devIdentity, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	id, ok := d.certs[rnokpp]
	if ok && (fullName == "" || id.cert.Subject.CommonName == fullName) {
		return id, nil
	}
	if fullName == "" {
		fullName = "Підписувач " + rnokpp
	}
	cert, key, err := d.CA.Issue(rnokpp, fullName)
	if err != nil {
		return devIdentity{}, err
	}
	if d.certs == nil {
		d.certs = map[string]devIdentity{}
	}
	id = devIdentity{cert, key}
	d.certs[rnokpp] = id
	return id, nil
}
