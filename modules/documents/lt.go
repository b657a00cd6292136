package documents

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"hromada/modules/signature/revocation"
)

// Errors of the long-term validation data, for errors.Is.
var (
	// ErrSealRevoked: the seal's certificate (or a CA above it) was
	// revoked, or its CA does not know it: no result is issued under it.
	ErrSealRevoked = errors.New("documents: the seal's certificate is revoked or unknown to its CA")
)

// ltTimeout bounds the revocation requests of one seal: a slow responder
// delays one result by at most this, then it is issued without them.
const ltTimeout = 45 * time.Second

// validationData collects, for the signature inside the signed PDF, the
// chain of the seal, the TSA's certificates from the signature's
// timestamp, and a revocation answer (OCSP, else CRL) for every
// certificate of both chains that names a responder, asked at the
// signature's time (the timestamp's, else at). A certificate that names
// neither responder nor CRL (a root, or the test TSA) is carried without
// one; so is a TSA certificate whose answer does not come.
//
// The error wraps ErrSealRevoked when a certificate of the seal's chain is
// revoked or unknown (ErrTSA for the TSA's), and revocation.ErrUnavailable
// when no answer came for one of the seal's chain that names a responder.
func validationData(ctx context.Context, signed []byte, chain []*x509.Certificate, rev revocation.Revocation, at time.Time) (ValidationData, error) {
	tsaChain, tsTime, err := signatureTimestamp(signed)
	if err != nil {
		return ValidationData{}, err
	}
	if !tsTime.IsZero() {
		at = tsTime
	}
	ctx, cancel := context.WithTimeout(ctx, ltTimeout)
	defer cancel()
	vd := ValidationData{Certs: certDERs(chain, tsaChain)}
	seen := map[string]bool{}
	for n, ch := range [][]*x509.Certificate{chain, orderChain(tsaChain)} {
		// The seal's chain must have its answers; the TSA's gets them
		// where it can: a token often carries only the TSA's own
		// certificate, and a TSA's responder that does not answer should
		// not cost the seal's data.
		tsa := n == 1
		for i, cert := range ch {
			if seen[string(cert.Raw)] || len(cert.OCSPServer) == 0 && len(cert.CRLDistributionPoints) == 0 {
				continue
			}
			seen[string(cert.Raw)] = true
			issuer := issuerOf(cert, ch[i+1:], chain)
			if issuer == nil {
				if tsa {
					continue
				}
				// A configuration matter (the installed chain lacks a CA),
				// not a reason to hold results back.
				return ValidationData{}, revocation.ErrUnavailable.Wrap(fmt.Errorf("documents: the issuer of %s is not in the seal's chain", cert.Subject))
			}
			res, err := rev.Check(ctx, cert, issuer, at)
			switch {
			case errors.Is(err, revocation.ErrRevoked) || errors.Is(err, revocation.ErrUnknown):
				if tsa {
					return ValidationData{}, fmt.Errorf("%w: its certificate %s: %w", ErrTSA, cert.Subject, err)
				}
				return ValidationData{}, fmt.Errorf("%w: %s: %w", ErrSealRevoked, cert.Subject, err)
			case err != nil && tsa:
				continue
			case err != nil:
				return ValidationData{}, err
			}
			switch res.Evidence.Source {
			case revocation.OCSP:
				vd.OCSPs = append(vd.OCSPs, res.Evidence.Response)
			case revocation.CRL:
				vd.CRLs = append(vd.CRLs, res.Evidence.Response)
			}
		}
	}
	return vd, nil
}

// signatureTimestamp returns the certificates and the time of the
// signature timestamp in the last signature of pdf (none when it has no
// timestamp).
func signatureTimestamp(pdf []byte) ([]*x509.Certificate, time.Time, error) {
	der, err := embeddedCMS(pdf)
	if err != nil {
		return nil, time.Time{}, err
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: the signature: %v", ErrDSS, err)
	}
	for _, si := range p7.Signers {
		for _, a := range si.UnauthenticatedAttributes {
			if !a.Type.Equal(oidTimeStampToken) {
				continue
			}
			ts, err := timestamp.Parse(a.Value.Bytes)
			if err != nil {
				return nil, time.Time{}, fmt.Errorf("%w: the signature's timestamp: %v", ErrDSS, err)
			}
			return ts.Certificates, ts.Time, nil
		}
	}
	return nil, time.Time{}, nil
}

// orderChain puts the TSA's leaf (the certificate for time stamping)
// first: a token carries its certificates in no set order.
func orderChain(certs []*x509.Certificate) []*x509.Certificate {
	out := make([]*x509.Certificate, 0, len(certs))
	for _, c := range certs {
		if !c.IsCA {
			out = append(out, c)
		}
	}
	for _, c := range certs {
		if c.IsCA {
			out = append(out, c)
		}
	}
	return out
}

// issuerOf finds the certificate among the candidates that signed cert.
func issuerOf(cert *x509.Certificate, candidates ...[]*x509.Certificate) *x509.Certificate {
	for _, cs := range candidates {
		for _, c := range cs {
			if cert.CheckSignatureFrom(c) == nil {
				return c
			}
		}
	}
	return nil
}
