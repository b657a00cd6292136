package payments

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
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

// SaveSettings sets the city's gateway and keys, the secret sealed (the
// demo loader; an administrator goes through ChangeSettings).
func (s *Service) SaveSettings(ctx context.Context, st Settings) error {
	if st.Gateway != LiqPay && st.Gateway != Monobank || st.Secret == "" {
		return errors.New("payments: settings need a known gateway and a secret")
	}
	sealed, err := s.seal(ctx, st)
	if err != nil {
		return err
	}
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return saveSettings(ctx, tx, st, sealed)
	})
}

func (s *Service) seal(ctx context.Context, st Settings) ([]byte, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	sealed, err := s.o.Sealer.Seal([]byte(st.Secret), sealAD(t, st.Gateway))
	if err != nil {
		return nil, fmt.Errorf("payments: sealing the secret: %w", err)
	}
	return sealed, nil
}

// saveSettings makes st's gateway the active one with its public key and,
// when sealed is not nil, its new secret (nil keeps the one stored).
func saveSettings(ctx context.Context, tx pgx.Tx, st Settings, sealed []byte) error {
	// The gateway chosen is the one active; another's keys are kept.
	if _, err := tx.Exec(ctx, `UPDATE payment_settings SET active = false WHERE gateway <> $1 AND active`, st.Gateway); err != nil {
		return fmt.Errorf("payments: saving the settings: %w", err)
	}
	var err error
	if sealed == nil {
		_, err = tx.Exec(ctx, `UPDATE payment_settings SET active = true, public_key = $2, updated_at = now() WHERE gateway = $1`, st.Gateway, st.PublicKey)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO payment_settings (tenant_id, gateway, public_key, secret_enc) VALUES (app_tenant_id(), $1, $2, $3)
			ON CONFLICT (tenant_id, gateway) DO UPDATE SET active = true, public_key = excluded.public_key, secret_enc = excluded.secret_enc, updated_at = now()`,
			st.Gateway, st.PublicKey, sealed)
	}
	if err != nil {
		return fmt.Errorf("payments: saving the settings: %w", err)
	}
	return nil
}

// GatewayState is what the administrator's page shows of a gateway's
// settings: never the secret, only that one is stored and since when.
type GatewayState struct {
	Gateway   Gateway
	Active    bool
	PublicKey string
	UpdatedAt time.Time
}

// Gateways are the city's stored settings, the active first.
func (s *Service) Gateways(ctx context.Context) ([]GatewayState, error) {
	var out []GatewayState
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT gateway, active, public_key, updated_at FROM payment_settings ORDER BY active DESC, gateway`)
		if err != nil {
			return fmt.Errorf("payments: the settings: %w", err)
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[GatewayState])
		if err != nil {
			return fmt.Errorf("payments: the settings: %w", err)
		}
		return nil
	})
	return out, err
}

// Field errors of the settings' form, each naming its field.
var (
	ErrGatewayUnknown   = apperr.New(apperr.Invalid, "pay.settings_gateway_unknown")
	ErrPublicKeyMissing = apperr.New(apperr.Invalid, "pay.settings_public_key_missing")
	ErrSecretMissing    = apperr.New(apperr.Invalid, "pay.settings_secret_missing")
	ErrKeyTooLong       = apperr.New(apperr.Invalid, "pay.settings_too_long")
)

// maxKeyBytes bounds a key as typed: LiqPay's keys and monobank's tokens
// are well under it.
const maxKeyBytes = 512

// ChangeSettings is the administrator's change of the city's gateway: st
// names the gateway and its keys; an empty Secret keeps the one stored for
// that gateway (the page never shows it back). The change is recorded in
// the audit log without the secret, only whether it changed. It returns
// the errors by field ("gateway", "public_key", "secret"), or an error.
func (s *Service) ChangeSettings(ctx context.Context, st Settings) (map[string]*apperr.Error, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if s.o.Audit == nil {
		return nil, errors.New("payments: changing the settings needs Audit")
	}
	st.PublicKey, st.Secret = strings.TrimSpace(st.PublicKey), strings.TrimSpace(st.Secret)
	errs := map[string]*apperr.Error{}
	switch st.Gateway {
	case LiqPay:
		if st.PublicKey == "" {
			errs["public_key"] = ErrPublicKeyMissing
		}
	case Monobank:
		st.PublicKey = "" // monobank has the token only
	default:
		errs["gateway"] = ErrGatewayUnknown
	}
	if len(st.PublicKey) > maxKeyBytes {
		errs["public_key"] = ErrKeyTooLong
	}
	if len(st.Secret) > maxKeyBytes {
		errs["secret"] = ErrKeyTooLong
	}
	if len(errs) > 0 {
		return errs, nil
	}
	var sealed []byte
	if st.Secret != "" {
		var err error
		if sealed, err = s.seal(ctx, st); err != nil {
			return nil, err
		}
	}
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if sealed == nil {
			var stored bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payment_settings WHERE gateway = $1)`, st.Gateway).Scan(&stored); err != nil {
				return fmt.Errorf("payments: the settings: %w", err)
			}
			if !stored {
				errs["secret"] = ErrSecretMissing
				return nil
			}
		}
		if err := saveSettings(ctx, tx, st, sealed); err != nil {
			return err
		}
		_, err := s.o.Audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
			Action: "payments.settings.save", ObjectType: "payment_settings", ObjectID: string(st.Gateway),
			Details: map[string]any{"gateway": string(st.Gateway), "public_key": st.PublicKey, "secret_changed": sealed != nil}})
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return errs, nil
	}
	return nil, nil
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

// ErrCheckFailed is a connection check the gateway did not answer as a
// merchant with these keys.
var ErrCheckFailed = apperr.New(apperr.Unavailable, "pay.settings_check_failed")

// CheckConnection asks the city's active gateway for its statement of the
// last hour, the same authenticated call the reconciliation makes (LiqPay's
// "reports" signed with the private key, monobank's statement with the
// token): wrong keys, or a gateway out of reach, fail it. The gateway is
// called outside any transaction; the detail goes to the log only.
func (s *Service) CheckConnection(ctx context.Context) (Gateway, error) {
	var st Settings
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		st, err = s.settings(ctx, tx)
		return err
	})
	if err != nil {
		return "", err
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return "", err
	}
	to := s.now()
	switch st.Gateway {
	case LiqPay:
		_, err = s.liqpayStatement(ctx, t, st, to.Add(-time.Hour), to)
	case Monobank:
		_, err = s.monobankStatement(ctx, t, st, to.Add(-time.Hour), to)
	}
	if err != nil {
		s.o.Log.WarnContext(ctx, "payments: the connection check failed", "gateway", st.Gateway, "error", err)
		return st.Gateway, ErrCheckFailed.Wrap(err).With(map[string]any{"Gateway": string(st.Gateway)})
	}
	return st.Gateway, nil
}
