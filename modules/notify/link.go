package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"

	"github.com/google/uuid"

	"hromada/tenant"
)

// link is the address of notice in the city's cabinet inbox, signed: the
// signature proves the link came from us (a forged one opens the inbox,
// never a notice's mark), and it grants nothing — the inbox still asks
// the person to sign in. Never a session or a token in a link.
func (s *Service) link(t *tenant.Tenant, notice uuid.UUID) string {
	q := url.Values{"n": {notice.String()}, "sig": {s.linkSig(t, notice)}}
	return s.o.PortalURL(t) + "/cabinet/notifications?" + q.Encode()
}

func (s *Service) linkSig(t *tenant.Tenant, notice uuid.UUID) string {
	m := hmac.New(sha256.New, s.o.LinkKey)
	m.Write(t.ID[:])
	m.Write(notice[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// LinkedNotice is the notice a signed link names, if its signature holds.
func (s *Service) LinkedNotice(t *tenant.Tenant, n, sig string) (uuid.UUID, bool) {
	id, err := uuid.Parse(n)
	if err != nil || len(s.o.LinkKey) == 0 {
		return uuid.Nil, false
	}
	return id, hmac.Equal([]byte(sig), []byte(s.linkSig(t, id)))
}
