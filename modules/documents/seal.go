package documents

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"hromada/modules/signature/revocation"
)

// SealOptions describe the seal's signature.
type SealOptions struct {
	// At is the signing time written in the PDF's signature dictionary
	// (/M) when there is no timestamp. Default time.Now. The CMS
	// signingTime attributes are always the signing machine's clock.
	At time.Time
	// Name, Reason, Location and ContactInfo fill the PDF's signature
	// dictionary, which PDF readers show in their signature panel: e.g.
	// the seal holder, «Результат надання адміністративної послуги», the
	// city, the verification address. All optional.
	Name, Reason, Location, ContactInfo string
	// TSA, when its URL is set, adds an RFC 3161 signature timestamp from
	// that time-stamping authority to both signatures (CAdES-T / PAdES-T
	// level): proof that the signature existed at that time, from a third
	// party rather than our clock.
	TSA TSA
	// Revocation, when set, makes the result PAdES-B-LT (with a TSA; see
	// addDSS): after signing, the revocation data of the seal's chain and
	// of the TSA's is fetched through it and embedded in the PDF's
	// Document Security Store. If no answer comes (the CA's responder is
	// down), the result is still issued, without it: Sealed.LTMissing says
	// why. A seal certificate revoked or unknown to its CA fails the seal
	// (ErrSealRevoked).
	Revocation revocation.Revocation
}

// TSA is an RFC 3161 time-stamping authority.
type TSA struct {
	// URL receives the timestamp requests (HTTP POST,
	// application/timestamp-query).
	URL string
	// Username and Password, if both set, are sent as HTTP basic auth.
	Username, Password string
	// Timeout bounds each request for the detached signature's
	// timestamp. Default 30 s. (pdfsign's own request for the PDF's
	// timestamp has no timeout of its own.)
	Timeout time.Duration
}

// Sealed is a sealed result: the two files stored and handed out.
type Sealed struct {
	// PDF is the result with the seal inside it (PAdES-style, ISO 32000
	// adbe.pkcs7.detached with an ESS signing-certificate-v2 attribute):
	// the file to store, download and show.
	PDF []byte
	// CMS is a detached CAdES signature (DER, .p7s) over exactly the bytes
	// of PDF: `openssl cms -verify -binary -inform DER -in x.p7s -content
	// x.pdf` checks the pair.
	CMS []byte
	// SHA256 is the hex SHA-256 of PDF, as recorded with the document.
	SHA256 string
	// Certificate is the seal's certificate.
	Certificate *x509.Certificate
	// LT reports that the PDF carries the validation data (a DSS);
	// LTMissing, when SealOptions.Revocation was set and it does not, is
	// why (revocation.ErrUnavailable: the responders did not answer).
	LT        bool
	LTMissing error
}

// Errors of Seal, for errors.Is.
var (
	ErrSealKey = errors.New("documents: seal key and certificate chain do not match")
	ErrNotPDF  = errors.New("documents: not a PDF")
	ErrTSA     = errors.New("documents: time-stamping authority failed")
)

// oidSigningCertificateV2 is ESS signing-certificate-v2 (RFC 5035), the
// signed attribute that binds a CAdES signature to its certificate.
var (
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

// Seal signs a rendered PDF with key, whose certificate is chain[0] (the
// rest of chain are its issuers, up to and including the root if the
// relying parties may not have it). It returns the PDF with the seal
// inside (a certification signature that permits no changes; made with
// github.com/digitorus/pdfsign as an incremental update, so the rendered
// bytes stay intact at the file's start) and a detached CAdES-BES CMS over
// the bytes of that signed PDF, with ESS signing-certificate-v2 and the
// chain. With opts.TSA set, both carry a signature timestamp.
//
// The detached signature is over the signed PDF, not the rendered one, so
// that the two files a resident downloads verify as a pair; the PDF's own
// signature covers the rendered content as readers show it.
//
// ECDSA signatures are randomised, so sealing the same PDF twice gives
// different bytes: a retried job must store what it sealed, not seal
// again and expect the same hash.
func Seal(doc []byte, key crypto.Signer, chain []*x509.Certificate, opts SealOptions) (Sealed, error) {
	return SealContext(context.Background(), doc, key, chain, opts)
}

// SealContext is Seal with a context for the revocation requests of
// opts.Revocation.
//
// The order matters for PAdES-B-LT: the PDF is signed (and timestamped)
// first, then the revocation answers are fetched — so they are issued
// after the signing time, which is what a verifier wants of them — and
// appended as an incremental update that the signature does not cover;
// the detached CAdES signature is made last, over the final bytes.
func SealContext(ctx context.Context, doc []byte, key crypto.Signer, chain []*x509.Certificate, opts SealOptions) (Sealed, error) {
	if len(chain) == 0 || key == nil {
		return Sealed{}, ErrSealKey
	}
	cert := chain[0]
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(key.Public()) {
		return Sealed{}, ErrSealKey
	}
	for i := 1; i < len(chain); i++ {
		if err := chain[i-1].CheckSignatureFrom(chain[i]); err != nil {
			return Sealed{}, fmt.Errorf("%w: certificate %d is not issued by %d: %v", ErrSealKey, i-1, i, err)
		}
	}
	if !bytes.HasPrefix(doc, []byte("%PDF-")) {
		return Sealed{}, ErrNotPDF
	}
	at := opts.At
	if at.IsZero() {
		at = time.Now()
	}
	signed, err := padesSign(doc, key, chain, opts, at)
	if err != nil {
		return Sealed{}, err
	}
	var lt bool
	var ltMissing error
	if opts.Revocation != nil {
		vd, err := validationData(ctx, signed, chain, opts.Revocation, at)
		switch {
		case errors.Is(err, revocation.ErrUnavailable):
			// Issued without the LT data: a result is never held back
			// for a responder (docs/documents.md says what this means).
			ltMissing = err
		case err != nil:
			return Sealed{}, err
		default:
			if signed, err = addDSS(signed, vd); err != nil {
				return Sealed{}, err
			}
			lt = true
		}
	}
	cms, err := cadesSign(signed, key, chain, opts.TSA)
	if err != nil {
		return Sealed{}, err
	}
	sum := sha256.Sum256(signed)
	return Sealed{PDF: signed, CMS: cms, SHA256: hex.EncodeToString(sum[:]), Certificate: cert, LT: lt, LTMissing: ltMissing}, nil
}

// padesSign adds the signature inside the PDF with pdfsign.
func padesSign(doc []byte, key crypto.Signer, chain []*x509.Certificate, opts SealOptions, at time.Time) (out []byte, err error) {
	// pdfsign and its PDF reader panic on some malformed input.
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("%w: %v", ErrNotPDF, p)
		}
	}()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPDF, err)
	}
	var buf bytes.Buffer
	err = sign.Sign(bytes.NewReader(doc), &buf, rdr, int64(len(doc)), sign.SignData{
		Signature: sign.SignDataSignature{
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
			Info: sign.SignDataSignatureInfo{
				Name: opts.Name, Location: opts.Location, Reason: opts.Reason, ContactInfo: opts.ContactInfo, Date: at,
			},
		},
		Signer:            key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       chain[0],
		CertificateChains: [][]*x509.Certificate{chain},
		TSA:               sign.TSA{URL: opts.TSA.URL, Username: opts.TSA.Username, Password: opts.TSA.Password},
	})
	if err != nil {
		// pdfsign's TSA failures read "get timestamp: …" or "parse
		// timestamp: …".
		if opts.TSA.URL != "" && strings.Contains(err.Error(), "timestamp") {
			return nil, fmt.Errorf("documents: seal PDF: %w: %v", ErrTSA, err)
		}
		return nil, fmt.Errorf("documents: seal PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// cadesSign makes the detached CAdES signature over data: signed
// attributes contentType, messageDigest, signingTime and ESS
// signing-certificate-v2; the chain; and, with a TSA, the signature
// timestamp as an unsigned attribute.
func cadesSign(data []byte, key crypto.Signer, chain []*x509.Certificate, tsa TSA) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(data)
	if err != nil {
		return nil, fmt.Errorf("documents: seal CMS: %w", err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	ess, err := signingCertificateV2(chain[0])
	if err != nil {
		return nil, fmt.Errorf("documents: seal CMS: %w", err)
	}
	err = sd.AddSignerChain(chain[0], key, chain[1:], pkcs7.SignerInfoConfig{
		ExtraSignedAttributes: []pkcs7.Attribute{{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: ess}}},
	})
	if err != nil {
		return nil, fmt.Errorf("documents: seal CMS: %w", err)
	}
	sd.Detach()
	if tsa.URL != "" {
		si := &sd.GetSignedData().SignerInfos[0]
		token, err := timestampToken(si.EncryptedDigest, tsa)
		if err != nil {
			return nil, err
		}
		if err := si.SetUnauthenticatedAttributes([]pkcs7.Attribute{{Type: oidTimeStampToken, Value: asn1.RawValue{FullBytes: token}}}); err != nil {
			return nil, fmt.Errorf("documents: seal CMS: %w", err)
		}
	}
	out, err := sd.Finish()
	if err != nil {
		return nil, fmt.Errorf("documents: seal CMS: %w", err)
	}
	return out, nil
}

// signingCertificateV2 is the DER of SigningCertificateV2 { certs {
// ESSCertIDv2 { certHash SHA-256(cert) } } } (RFC 5035; SHA-256 is the
// default hash, so its identifier is omitted).
func signingCertificateV2(cert *x509.Certificate) ([]byte, error) {
	h := sha256.Sum256(cert.Raw)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(h[:])
			})
		})
	})
	return b.Bytes()
}

// timestampToken asks the TSA to timestamp the signature value (RFC 3161
// appendix A: the imprint is the hash of the signature) and returns the
// token after checking it answers this request.
func timestampToken(signatureValue []byte, tsa TSA) ([]byte, error) {
	req, err := timestamp.CreateRequest(bytes.NewReader(signatureValue), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTSA, err)
	}
	hreq, err := http.NewRequest(http.MethodPost, tsa.URL, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTSA, err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	if tsa.Username != "" && tsa.Password != "" {
		hreq.SetBasicAuth(tsa.Username, tsa.Password)
	}
	timeout := tsa.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	resp, err := (&http.Client{Timeout: timeout}).Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTSA, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTSA, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP %d", ErrTSA, resp.StatusCode)
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTSA, err)
	}
	want := sha256.Sum256(signatureValue)
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, want[:]) {
		return nil, fmt.Errorf("%w: the timestamp is for other data", ErrTSA)
	}
	return ts.RawToken, nil
}
