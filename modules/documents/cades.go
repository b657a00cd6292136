package documents

import (
	"crypto"
	"crypto/x509"
)

// SignCAdES makes a detached CAdES-BES signature (DER) over data with key,
// whose certificate is chain[0] — what ActiveSeal returns — for a
// message that is not a PDF (the national monitoring exchange). It is the
// CMS that Seal makes beside a sealed PDF, without a timestamp.
func SignCAdES(data []byte, key crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	if len(chain) == 0 || key == nil {
		return nil, ErrSealKey
	}
	return cadesSign(data, key, chain, TSA{})
}
