package operator

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The console's sign-in is a shared operator key (HROMADA_OPERATOR_KEY),
// exchanged for a signed, expiring, host-only cookie. It stands until the
// identity issue gives operators personal accounts through the city's IdP.

const (
	cookieName = "hromada_operator"
	sessionTTL = 8 * time.Hour
	// MinKeyLength is the shortest operator key accepted in production.
	MinKeyLength = 32
)

type keyring struct {
	key    []byte // the operator key itself, compared on sign-in
	mac    []byte // derived: signs session cookies
	secure bool
	now    func() time.Time
}

func newKeyring(key string, secure bool) *keyring {
	m := sha256.Sum256([]byte("hromada operator session\x00" + key))
	return &keyring{key: []byte(key), mac: m[:], secure: secure, now: time.Now}
}

func (k *keyring) checkKey(given string) bool {
	g := sha256.Sum256([]byte(given))
	w := sha256.Sum256(k.key)
	return len(k.key) > 0 && subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func (k *keyring) sign(exp int64, who string) string {
	h := hmac.New(sha256.New, k.mac)
	h.Write([]byte(strconv.FormatInt(exp, 10) + "\x00" + who))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// issue signs the operator in; who says how (the key, or the IdP's
// subject), and is what the platform records of the operator's deletions.
func (k *keyring) issue(w http.ResponseWriter, who string) {
	exp := k.now().Add(sessionTTL).Unix()
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: strconv.FormatInt(exp, 10) + "." + base64.RawURLEncoding.EncodeToString([]byte(who)) + "." + k.sign(exp, who),
		Path: "/", HttpOnly: true, Secure: k.secure, SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL.Seconds()),
	})
}

func (k *keyring) clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, Secure: k.secure, SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// valid says whether the request carries a live operator session, and
// whose.
func (k *keyring) valid(r *http.Request) (string, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return "", false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || k.now().Unix() > exp {
		return "", false
	}
	who, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !hmac.Equal([]byte(parts[2]), []byte(k.sign(exp, string(who)))) {
		return "", false
	}
	return string(who), true
}
