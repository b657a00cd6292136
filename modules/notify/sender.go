package notify

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// Sender is a city's identity on the channels: the From of its e-mail
// (signed with DKIM for the From's domain) and its SMS sender name.
type Sender struct {
	FromName    string
	FromAddress string
	Selector    string
	key         *rsa.PrivateKey
	SMSSender   string
}

// Domain is the From address's domain: the domain DKIM signs for.
func (s *Sender) Domain() string {
	_, d, _ := strings.Cut(s.FromAddress, "@")
	return d
}

// DNSRecord is the TXT record the administrator publishes at
// <Selector>._domainkey.<Domain> for receivers to check the signature.
func (s *Sender) DNSRecord() (name, value string, err error) {
	der, err := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	if err != nil {
		return "", "", err
	}
	return s.Selector + "._domainkey." + s.Domain(), "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
}

// defaultSMSSender is the alpha name when the city has none of its own
// registered with the gateway yet.
const defaultSMSSender = "Hromada"

// sender returns the city's sender identity, making it on first use: the
// city's display name, noreply@ its portal's host (or MailDomain), and a
// fresh RSA-2048 DKIM key sealed at rest. RSA, not Ed25519: receivers
// that ignore ed25519-sha256 signatures (RFC 8463) are still common.
func (s *Service) sender(ctx context.Context, tx pgx.Tx) (*Sender, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	var (
		snd    Sender
		sealed []byte
	)
	err = tx.QueryRow(ctx, `SELECT from_name, from_address, dkim_selector, dkim_key, sms_sender FROM notify_senders ORDER BY created_at DESC LIMIT 1`).
		Scan(&snd.FromName, &snd.FromAddress, &snd.Selector, &sealed, &snd.SMSSender)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.newSender(ctx, tx, t)
	}
	if err != nil {
		return nil, err
	}
	if snd.key = s.keys.get(t.ID, sealed); snd.key != nil {
		return &snd, nil
	}
	der, err := s.o.Sealer.Open(sealed, t.ID[:])
	if err != nil {
		return nil, fmt.Errorf("notify: the city's DKIM key: %w", err)
	}
	if snd.key, err = x509.ParsePKCS1PrivateKey(der); err != nil {
		return nil, fmt.Errorf("notify: the city's DKIM key: %w", err)
	}
	s.keys.put(t.ID, sealed, snd.key)
	return &snd, nil
}

// dkimKeys is a bounded cache of opened DKIM keys, keyed by the city and
// the key's sealed bytes (a city has one key in use; the bound only keeps
// a platform of many cities, or many rotations, from growing it without
// end — past it, the cache starts again).
type dkimKeys struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*rsa.PrivateKey
}

const maxDKIMKeys = 4096

func dkimKeyID(city uuid.UUID, sealed []byte) [sha256.Size]byte {
	return sha256.Sum256(append(city[:len(city):len(city)], sealed...))
}

func (c *dkimKeys) get(city uuid.UUID, sealed []byte) *rsa.PrivateKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[dkimKeyID(city, sealed)]
}

func (c *dkimKeys) put(city uuid.UUID, sealed []byte, key *rsa.PrivateKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxDKIMKeys {
		c.m = make(map[[sha256.Size]byte]*rsa.PrivateKey)
	}
	c.m[dkimKeyID(city, sealed)] = key
}

func (s *Service) newSender(ctx context.Context, tx pgx.Tx, t *tenant.Tenant) (*Sender, error) {
	if s.o.Sealer == nil {
		return nil, errors.New("notify: no sealer for the DKIM key")
	}
	domain := t.Slug + "." + s.o.MailDomain
	if s.o.MailDomain == "" {
		u, err := url.Parse(s.o.PortalURL(t))
		if err != nil {
			return nil, err
		}
		domain = u.Hostname()
	}
	name := t.Branding.DisplayName.UK
	if name == "" {
		name = t.Name
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	sealed, err := s.o.Sealer.Seal(x509.MarshalPKCS1PrivateKey(key), t.ID[:])
	if err != nil {
		return nil, err
	}
	snd := Sender{FromName: name, FromAddress: "noreply@" + domain, Selector: "hromada" + s.o.Now().Format("200601"), key: key, SMSSender: defaultSMSSender}
	// Two first deliveries of a city at once: one key wins, the other
	// reads it.
	tag, err := tx.Exec(ctx, `INSERT INTO notify_senders (tenant_id, from_name, from_address, dkim_selector, dkim_key, sms_sender, created_at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, dkim_selector) DO NOTHING`,
		snd.FromName, snd.FromAddress, snd.Selector, sealed, snd.SMSSender, time.Now())
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		return s.sender(ctx, tx)
	}
	return &snd, nil
}
