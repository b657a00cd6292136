package payments

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
)

// Settings are a city's acquiring: the gateway and its keys. Secret is
// LiqPay's private key or monobank's X-Token; it is stored sealed.
type Settings struct {
	Gateway   Gateway
	PublicKey string
	Secret    string
}

// ErrNotConfigured means the city takes no payments online (yet).
var ErrNotConfigured = apperr.New(apperr.Invalid, "pay.not_configured")

// sealAD binds a sealed secret to its city and gateway.
func sealAD(t *tenant.Tenant, g Gateway) []byte {
	return append([]byte("payments:"+string(g)+":"), t.ID[:]...)
}

// SaveSettings sets the city's gateway and keys, the secret sealed.
func (s *Service) SaveSettings(ctx context.Context, st Settings) error {
	if st.Gateway != LiqPay && st.Gateway != Monobank || st.Secret == "" {
		return errors.New("payments: settings need a known gateway and a secret")
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	sealed, err := s.o.Sealer.Seal([]byte(st.Secret), sealAD(t, st.Gateway))
	if err != nil {
		return fmt.Errorf("payments: sealing the secret: %w", err)
	}
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// The gateway chosen is the one active; another's keys are kept.
		if _, err := tx.Exec(ctx, `UPDATE payment_settings SET active = false WHERE gateway <> $1 AND active`, st.Gateway); err != nil {
			return fmt.Errorf("payments: saving the settings: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO payment_settings (tenant_id, gateway, public_key, secret_enc) VALUES (app_tenant_id(), $1, $2, $3)
			ON CONFLICT (tenant_id, gateway) DO UPDATE SET active = true, public_key = excluded.public_key, secret_enc = excluded.secret_enc, updated_at = now()`,
			st.Gateway, st.PublicKey, sealed)
		if err != nil {
			return fmt.Errorf("payments: saving the settings: %w", err)
		}
		return nil
	})
}

// settings reads the city's active settings with the secret opened;
// ErrNotConfigured when it has none.
func (s *Service) settings(ctx context.Context, tx pgx.Tx) (Settings, error) {
	return s.settingsWhere(ctx, tx, `active`)
}

// settingsOf reads the city's keys of gateway g, active or not (a refund
// goes through the gateway that took the payment).
func (s *Service) settingsOf(ctx context.Context, tx pgx.Tx, g Gateway) (Settings, error) {
	return s.settingsWhere(ctx, tx, `gateway = $1`, g)
}

func (s *Service) settingsWhere(ctx context.Context, tx pgx.Tx, where string, args ...any) (Settings, error) {
	var (
		st     Settings
		sealed []byte
	)
	err := tx.QueryRow(ctx, `SELECT gateway, public_key, secret_enc FROM payment_settings WHERE `+where, args...).Scan(&st.Gateway, &st.PublicKey, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, ErrNotConfigured
	}
	if err != nil {
		return st, fmt.Errorf("payments: the settings: %w", err)
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return st, err
	}
	plain, err := s.o.Sealer.Open(sealed, sealAD(t, st.Gateway))
	if err != nil {
		return st, fmt.Errorf("payments: the city's gateway secret: %w", err)
	}
	st.Secret = string(plain)
	return st, nil
}
