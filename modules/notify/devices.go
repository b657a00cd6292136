package notify

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
)

// Platform is the push service a device is reached through.
type Platform string

// The platforms.
const (
	FCMPlatform     Platform = "fcm"     // the city app, through Firebase Cloud Messaging
	WebPushPlatform Platform = "webpush" // the portal in a browser, through its push service
)

// Device is a device registering for push notices.
type Device struct {
	Platform Platform
	// Token is the FCM registration token, or the Web Push
	// subscription's endpoint.
	Token string
	// Keys are a Web Push subscription's keys (p256dh, auth); none for
	// FCM.
	Keys map[string]string
	// AppVersion is the city app's version (for the administrator's eyes
	// and for dropping old versions' quirks); empty for a browser.
	AppVersion string
}

// ErrBadDevice: a registration without a known platform or a token.
var ErrBadDevice = apperr.New(apperr.Invalid, "notify.error.device")

// maxTokenLen bounds a token: FCM's are about 160 characters and Web
// Push endpoints a few hundred; anything near this is not one.
const maxTokenLen = 4096

// RegisterDevice records that account's device d takes push notices, in
// one transaction in the tenant of ctx, and returns the device's id. It is
// what the city-app API calls when the app signs in or FCM rotates its
// token. Registering the same token again (a retry, an app restart)
// changes nothing but its version and time, and enables it again if the
// push service had disowned it; a token another person of the city had
// registered (a phone changing hands) moves to account. It returns
// ErrBadDevice when d has no known platform or no usable token.
func (s *Service) RegisterDevice(ctx context.Context, account uuid.UUID, d Device) (uuid.UUID, error) {
	d.Token = strings.TrimSpace(d.Token)
	if d.Platform != FCMPlatform && d.Platform != WebPushPlatform || d.Token == "" || len(d.Token) > maxTokenLen {
		return uuid.Nil, ErrBadDevice
	}
	if d.Keys == nil {
		d.Keys = map[string]string{}
	}
	if d.Platform == WebPushPlatform && !s.validSubscription(d) {
		return uuid.Nil, ErrBadDevice
	}
	var id uuid.UUID
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		id, err = upsertDevice(ctx, tx, account, d, s.o.Now())
		return err
	})
	return id, err
}

// validSubscription says whether d is a Web Push subscription the portal
// can push to: an endpoint it may reach, a P-256 public key and a 16-byte
// auth secret.
func (s *Service) validSubscription(d Device) bool {
	if s.o.WebPush == nil || !s.o.WebPush.allowed(d.Token) || len(d.Keys) != 2 {
		return false
	}
	pub, err := base64.RawURLEncoding.DecodeString(d.Keys["p256dh"])
	if err != nil {
		return false
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return false
	}
	auth, err := base64.RawURLEncoding.DecodeString(d.Keys["auth"])
	return err == nil && len(auth) == 16
}

// UnregisterDevice removes account's device with token on platform (the
// app signed out, the browser unsubscribed), in one transaction in the
// tenant of ctx. A token that is not account's, or not registered at all,
// is no error: signing out twice is one sign-out.
func (s *Service) UnregisterDevice(ctx context.Context, account uuid.UUID, platform Platform, token string) error {
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM notify_devices WHERE account_id = $1 AND platform = $2 AND token = $3`,
			account, platform, strings.TrimSpace(token))
		return err
	})
}

func upsertDevice(ctx context.Context, tx pgx.Tx, account uuid.UUID, d Device, now time.Time) (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	err = tx.QueryRow(ctx, `INSERT INTO notify_devices (tenant_id, id, account_id, platform, token, keys, app_version, created_at, updated_at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (tenant_id, platform, token) DO UPDATE SET account_id = $2, keys = $5, app_version = $6, updated_at = $7,
			disabled_at = NULL, disabled_reason = ''
		RETURNING id`, id, account, d.Platform, d.Token, d.Keys, d.AppVersion, now).Scan(&id)
	return id, err
}

// pushDevice is a device as the sender needs it.
type pushDevice struct {
	Platform Platform
	Token    string
	Keys     map[string]string
	Disabled bool
}

// errDeviceGone: the delivery's device was disowned or removed since the
// notice was posted; nothing is sent.
var errDeviceGone = errors.New("notify: the device is no longer registered")

// deviceOf reads the device of account's push delivery (its address is
// the device's id). A device that has since moved to another person is
// gone for this delivery.
func deviceOf(ctx context.Context, tx pgx.Tx, account uuid.UUID, address string) (*pushDevice, error) {
	id, err := uuid.Parse(address)
	if err != nil {
		return nil, errDeviceGone
	}
	var d pushDevice
	err = tx.QueryRow(ctx, `SELECT platform, token, keys, disabled_at IS NOT NULL FROM notify_devices WHERE id = $1 AND account_id = $2`, id, account).
		Scan(&d.Platform, &d.Token, &d.Keys, &d.Disabled)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && d.Disabled {
		return nil, errDeviceGone
	}
	return &d, err
}

// disableDevice records that the push service disowned the device: no
// notice goes to it again until it is registered anew.
func disableDevice(ctx context.Context, tx pgx.Tx, address, reason string) error {
	id, err := uuid.Parse(address)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE notify_devices SET disabled_at = now(), disabled_reason = $2 WHERE id = $1 AND disabled_at IS NULL`,
		id, truncate(reason, 200))
	return err
}

// countDevices counts account's devices on platforms that push notices
// can reach.
func countDevices(ctx context.Context, tx pgx.Tx, account uuid.UUID, platforms []Platform) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM notify_devices WHERE account_id = $1 AND disabled_at IS NULL AND platform = ANY ($2)`,
		account, platforms).Scan(&n)
	return n, err
}
