package signature

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"
)

// maxChain bounds the path from a signer to an anchor (Ukrainian chains
// are two or three certificates long), and maxChecks the signatures tried
// while looking for it: a CMS may carry many certificates with one name,
// and each try costs a scalar multiplication.
const (
	maxChain  = 5
	maxChecks = 32
)

// verifyDSTUChain finds a path from cert through pool to one of anchors
// on which every certificate is signed by the next, every issuer is a CA
// allowed to sign certificates, and all were valid at at. An anchor is
// trusted as it is, self-signed root or not: the Trusted List names the
// qualified CAs themselves.
func verifyDSTUChain(cert *x509.Certificate, pool, anchors []*x509.Certificate, at time.Time) error {
	if len(anchors) == 0 {
		return fmt.Errorf("%w: no trusted ДСТУ 4145 anchors configured", ErrUntrusted)
	}
	if err := criticalUnderstood(cert); err != nil {
		return err
	}
	var why error
	checks := 0
	keys := keyCache{}
	onPath := map[*x509.Certificate]bool{}
	var walk func(c *x509.Certificate, depth int) bool
	walk = func(c *x509.Certificate, depth int) bool {
		for _, a := range anchors {
			if bytes.Equal(a.Raw, c.Raw) {
				return true
			}
		}
		if depth == maxChain {
			return false
		}
		onPath[c] = true
		defer delete(onPath, c)
		for _, candidates := range [][]*x509.Certificate{anchors, pool} {
			for _, issuer := range candidates {
				if onPath[issuer] || !issues(issuer, c) || bytes.Equal(issuer.Raw, c.Raw) {
					continue
				}
				if err := canIssue(issuer, at); err != nil {
					why = err
					continue
				}
				if checks++; checks > maxChecks {
					why = fmt.Errorf("%w: more than %d signatures tried", ErrUntrusted, maxChecks)
					return false
				}
				if err := certSignedBy(c, issuer, keys); err != nil {
					why = err
					continue
				}
				if walk(issuer, depth+1) {
					return true
				}
			}
		}
		return false
	}
	if walk(cert, 0) {
		return nil
	}
	if errors.Is(why, ErrExpired) {
		return why
	}
	if why != nil {
		return fmt.Errorf("%w: %q: %v", ErrUntrusted, cert.Subject.CommonName, why)
	}
	return fmt.Errorf("%w: no path from %q to a trusted ДСТУ 4145 anchor", ErrUntrusted, cert.Subject.CommonName)
}

// directIssuer is the certificate among candidates that signed cert (on
// a chain verifyDSTUChain accepted), or cert itself when it is an anchor.
func directIssuer(cert *x509.Certificate, anchors, pool []*x509.Certificate) *x509.Certificate {
	keys := keyCache{}
	for _, c := range anchors {
		if bytes.Equal(c.Raw, cert.Raw) {
			return cert
		}
	}
	for _, c := range append(slices.Clone(anchors), pool...) {
		if issues(c, cert) && !bytes.Equal(c.Raw, cert.Raw) && certSignedBy(cert, c, keys) == nil {
			return c
		}
	}
	return nil
}

// oidQCStatements is the qualified-certificate statements extension (RFC
// 3739), which the Central certification authority's roots mark
// critical. It is understood in the sense that matters here: whether a
// certificate is qualified is the Trusted List's to say, not its own.
var oidQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}

// criticalUnderstood refuses, as Go's x509 does for the certificate it
// verifies, a critical extension nobody here reads.
func criticalUnderstood(cert *x509.Certificate) error {
	for _, oid := range cert.UnhandledCriticalExtensions {
		if !oid.Equal(oidQCStatements) {
			return fmt.Errorf("%w: %q has an unknown critical extension %s", ErrUntrusted, cert.Subject.CommonName, oid)
		}
	}
	return nil
}

// issues reports whether issuer's name (and key identifier, when both
// carry one) is the one c names as its issuer.
func issues(issuer, c *x509.Certificate) bool {
	if !bytes.Equal(issuer.RawSubject, c.RawIssuer) {
		return false
	}
	return len(c.AuthorityKeyId) == 0 || len(issuer.SubjectKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, issuer.SubjectKeyId)
}

func canIssue(issuer *x509.Certificate, at time.Time) error {
	if !issuer.BasicConstraintsValid || !issuer.IsCA {
		return fmt.Errorf("%w: %q is not a CA", ErrUntrusted, issuer.Subject.CommonName)
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("%w: %q may not sign certificates", ErrUntrusted, issuer.Subject.CommonName)
	}
	return validAt(issuer, at)
}

// validAt is ErrExpired unless cert was valid at at.
func validAt(cert *x509.Certificate, at time.Time) error {
	if at.Before(cert.NotBefore) || at.After(cert.NotAfter) {
		return fmt.Errorf("%w: %q at %s, valid %s to %s", ErrExpired, cert.Subject.CommonName,
			at.UTC().Format(time.RFC3339), cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}
