package devidp

import (
	"crypto/rsa"
	"net/http"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// signingKey is the RSA key that signs ID tokens (RS256).
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

// publicKey is the signing key as JWKS publishes it.
type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// dropForeignHints runs inside op's router: an id_token_hint at end_session
// that our key did not sign is dropped, as if it had not been sent. Such a
// hint is normal here: the key lives in memory, and the portal's sessions
// outlive a restart, so whoever signs out after one holds an ID token signed
// by the previous key; op would answer it with a bare 400. Without the hint,
// the logout still redirects to a post_logout_redirect_uri AllowRedirect
// accepts when the request names its client_id, and to /logged-out otherwise.
func (s *storage) dropForeignHints(next http.Handler) http.Handler {
	endSession := op.DefaultEndpoints.EndSession.Relative()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == endSession && r.ParseForm() == nil {
			if hint := r.Form.Get("id_token_hint"); hint != "" && !s.signed(hint) {
				r.Form.Del("id_token_hint")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// signed says whether token is a JWS our key signed (whatever its claims).
func (s *storage) signed(token string) bool {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return false
	}
	_, err = jws.Verify(&s.signing.key.PublicKey)
	return err == nil
}
