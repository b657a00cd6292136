package documents

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/signature"
	"hromada/tenant"
)

// The QR code of a result verifies offline (issue 22): it is the
// verification page's address, as before, with a compact JWS (RFC 7515,
// ES256) after "#". A phone's camera opens the page (the fragment never
// reaches the server); the city app, or any verifier holding the city's
// published seal keys (PublishedSeals, served at
// /.well-known/hromada-seals.json), checks the JWS without the network
// (VerifyQR). The JWS is signed with the provider's seal key through
// ActiveSeal — the same key store seam as the PDF's seal, so a key in an
// HSM signs it there. Its protected header names the seal (kid), and
// through it the provider.
//
// The claims are few and short, to keep the code small enough to scan
// (about 500 bytes: version 18, 0.35 mm a module on the printed 34 mm).
// The document's hash is of its content (ContentSHA256), not of the PDF:
// the PDF carries this code, so it cannot carry its own hash.

// QRClaims are the signed facts of a result's QR code.
type QRClaims struct {
	Document string `json:"doc"` // the issued document's id
	SHA256   string `json:"h"`   // base64url of ContentSHA256
	Number   string `json:"n"`   // the application's number
	Issued   string `json:"d"`   // the issue date, YYYY-MM-DD in Kyiv
	URL      string `json:"u"`   // the verification page
}

// SealKey is one published seal: a JWK (EC P-256) with its certificate
// chain (x5c) and the provider it seals for.
type SealKey struct {
	Kty      string   `json:"kty"`
	Crv      string   `json:"crv"`
	X        string   `json:"x"`
	Y        string   `json:"y"`
	Kid      string   `json:"kid"`
	Use      string   `json:"use"`
	Alg      string   `json:"alg"`
	X5C      []string `json:"x5c"`
	Provider string   `json:"provider"`
	Status   string   `json:"status"` // active, or retired (its documents still verify)
}

// SealKeys is the city's published key set (a JWKS with more fields).
type SealKeys struct {
	Keys []SealKey `json:"keys"`
}

// ErrQR is a QR code that does not verify.
var ErrQR = errors.New("documents: the QR code does not verify")

// ContentSHA256 is the hash of what a result says: its id, title,
// number, issue time, provider, applicant, service, decision and facts,
// as canonical JSON. It is what the QR code's "h" signs.
func ContentSHA256(r Result) [32]byte {
	facts := make([][2]string, 0, len(r.Facts))
	for _, f := range r.Facts {
		facts = append(facts, [2]string{f.Label, f.Value})
	}
	b, _ := signature.Canonical(map[string]any{"id": r.DocumentID.String(), "title": r.Title, "number": r.Number,
		"issued": r.IssuedAt.UTC().Format("2006-01-02T15:04:05Z"), "provider": r.Provider, "applicant": r.Applicant.FullName,
		"rnokpp": r.Applicant.RNOKPP, "edrpou": r.Applicant.EDRPOU, "service": r.Service, "decision": r.Decision, "facts": facts})
	return sha256.Sum256(b)
}

// sealKid names a seal by its certificate: the first 8 bytes of its
// SHA-256, in hex.
func sealKid(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:8])
}

// QRToken signs r's claims with the provider's active seal and returns
// the QR code's text: the verification address, "#", the JWS.
func (s *Service) QRToken(ctx context.Context, provider uuid.UUID, r Result, verifyURL string) (string, error) {
	key, chain, err := s.open(ctx, provider)
	if err != nil {
		return "", err
	}
	sum := ContentSHA256(r)
	c := QRClaims{Document: r.DocumentID.String(), SHA256: base64.RawURLEncoding.EncodeToString(sum[:]), Number: r.Number,
		Issued: r.IssuedAt.In(tenant.Zone).Format("2006-01-02"), URL: verifyURL}
	jws, err := signJWS(key, sealKid(chain[0]), c)
	if err != nil {
		return "", err
	}
	return verifyURL + "#" + jws, nil
}

// signJWS makes a compact ES256 JWS of claims with any crypto.Signer (an
// HSM's too): the ASN.1 signature is turned into JWS's r‖s.
func signJWS(key crypto.Signer, kid string, claims any) (string, error) {
	if _, ok := key.Public().(*ecdsa.PublicKey); !ok {
		return "", fmt.Errorf("documents: the seal's key is not ECDSA: %w", ErrSealKey)
	}
	h, err := json.Marshal(map[string]string{"alg": "ES256", "kid": kid})
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	digest := sha256.Sum256([]byte(input))
	der, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("documents: signing the QR code: %w", err)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		return "", fmt.Errorf("documents: signing the QR code: %w", err)
	}
	sig := make([]byte, 64)
	rs.R.FillBytes(sig[:32])
	rs.S.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// VerifyQR checks a QR code's text (the address with "#" and the JWS, or
// the JWS alone) with only the city's published keys: the signature by a
// key of the set, and, when the address is there, that the claims name
// it. It returns the claims and the seal that signed them.
func VerifyQR(text string, keys SealKeys) (*QRClaims, *SealKey, error) {
	addr, jws, found := strings.Cut(text, "#")
	if !found {
		addr, jws = "", text
	}
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("%w: %s", ErrQR, "not a compact JWS")
	}
	var hdr struct{ Alg, Kid string }
	if err := decodePart(parts[0], &hdr); err != nil || hdr.Alg != "ES256" {
		return nil, nil, fmt.Errorf("%w: header: %v (alg %q)", ErrQR, err, hdr.Alg)
	}
	var key *SealKey
	for i := range keys.Keys {
		if keys.Keys[i].Kid == hdr.Kid {
			key = &keys.Keys[i]
		}
	}
	if key == nil {
		return nil, nil, fmt.Errorf("%w: no published seal %q", ErrQR, hdr.Kid)
	}
	pub, err := key.public()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrQR, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, nil, fmt.Errorf("%w: %s", ErrQR, "signature is not 64 bytes")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, nil, fmt.Errorf("%w: %s", ErrQR, "the signature does not verify")
	}
	var c QRClaims
	if err := decodePart(parts[1], &c); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrQR, err)
	}
	if addr != "" && c.URL != addr {
		return nil, nil, fmt.Errorf("%w: the code's address %q is not the signed %q", ErrQR, addr, c.URL)
	}
	return &c, key, nil
}

func decodePart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// public is the key's P-256 point; its certificate (x5c[0]) must hold the
// same key.
func (k *SealKey) public() (*ecdsa.PublicKey, error) {
	if k.Kty != "EC" || k.Crv != "P-256" || len(k.X5C) == 0 {
		return nil, fmt.Errorf("seal %s: not an EC P-256 key with its certificate", k.Kid)
	}
	der, err := base64.StdEncoding.DecodeString(k.X5C[0])
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("seal %s: the certificate's key is not P-256", k.Kid)
	}
	x, xerr := base64.RawURLEncoding.DecodeString(k.X)
	y, yerr := base64.RawURLEncoding.DecodeString(k.Y)
	point, err := pub.Bytes()
	if err != nil || xerr != nil || yerr != nil || !bytes.Equal(point, append(append([]byte{4}, x...), y...)) {
		return nil, fmt.Errorf("seal %s: the JWK is not the certificate's key", k.Kid)
	}
	return pub, nil
}

// PublishedSeals are the city's seals, active and retired, as the key set
// verifiers download: a retired seal's documents still verify.
func PublishedSeals(ctx context.Context, tx pgx.Tx) (SealKeys, error) {
	out := SealKeys{Keys: []SealKey{}}
	rows, err := tx.Query(ctx, `SELECT s.certificate, s.chain, s.status, p.name_uk FROM provider_seals s
		JOIN providers p ON p.id = s.provider_id ORDER BY p.name_uk, s.created_at DESC`)
	if err != nil {
		return out, fmt.Errorf("documents: published seals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var der, ch []byte
		var status, provider string
		if err := rows.Scan(&der, &ch, &status, &provider); err != nil {
			return out, fmt.Errorf("documents: published seals: %w", err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return out, fmt.Errorf("documents: published seals: %w", err)
		}
		pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			continue // not a key ES256 can name
		}
		x, y, err := jwkCoords(pub)
		if err != nil {
			continue // not a P-256 key ES256 can name
		}
		k := SealKey{Kty: "EC", Crv: "P-256", X: x, Y: y, Kid: sealKid(cert), Use: "sig", Alg: "ES256",
			X5C: []string{base64.StdEncoding.EncodeToString(der)}, Provider: provider, Status: status}
		chain, err := x509.ParseCertificates(ch)
		if err != nil {
			return out, fmt.Errorf("documents: published seals: %w", err)
		}
		for _, c := range chain {
			k.X5C = append(k.X5C, base64.StdEncoding.EncodeToString(c.Raw))
		}
		out.Keys = append(out.Keys, k)
	}
	return out, rows.Err()
}

// jwkCoords are a P-256 key's x and y as a JWK writes them.
func jwkCoords(pub *ecdsa.PublicKey) (x, y string, err error) {
	if pub.Curve != elliptic.P256() {
		return "", "", fmt.Errorf("documents: not a P-256 key")
	}
	b, err := pub.Bytes() // 0x04 ‖ x ‖ y
	if err != nil {
		return "", "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[1:33]), base64.RawURLEncoding.EncodeToString(b[33:65]), nil
}
