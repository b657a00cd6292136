package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// vapidKey returns the city's VAPID key, making it on first use (sealed
// at rest, as the DKIM key is). Two first uses at once: one key wins, the
// other reads it.
func (s *Service) vapidKey(ctx context.Context, tx pgx.Tx) (*ecdsa.PrivateKey, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	if s.o.Sealer == nil {
		return nil, errors.New("notify: no sealer for the VAPID key")
	}
	var sealed []byte
	err = tx.QueryRow(ctx, `SELECT private_key FROM notify_vapid_keys`).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.newVAPIDKey(ctx, tx, t)
	}
	if err != nil {
		return nil, err
	}
	raw, err := s.o.Sealer.Open(sealed, t.ID[:])
	if err != nil {
		return nil, fmt.Errorf("notify: the city's VAPID key: %w", err)
	}
	return ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
}

func (s *Service) newVAPIDKey(ctx context.Context, tx pgx.Tx, t *tenant.Tenant) (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	raw, err := key.Bytes()
	if err != nil {
		return nil, err
	}
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	sealed, err := s.o.Sealer.Seal(raw, t.ID[:])
	if err != nil {
		return nil, err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO notify_vapid_keys (tenant_id, public_key, private_key) VALUES (app_tenant_id(), $1, $2)
		ON CONFLICT (tenant_id) DO NOTHING`, pub, sealed)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() == 0 {
		return s.vapidKey(ctx, tx)
	}
	return key, nil
}

// VAPIDPublicKey is the city's VAPID public key, base64url (the
// applicationServerKey a browser subscribes with), made on first use; ""
// when the portal does not send Web Push.
func (s *Service) VAPIDPublicKey(ctx context.Context) (string, error) {
	if !s.platformOn(WebPushPlatform) {
		return "", nil
	}
	var pub []byte
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		key, err := s.vapidKey(ctx, tx)
		if err != nil {
			return err
		}
		pub, err = key.PublicKey.Bytes()
		return err
	})
	return base64.RawURLEncoding.EncodeToString(pub), err
}
