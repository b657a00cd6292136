package notify

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Address is a person's address on a channel, as the preferences page
// shows it.
type Address struct {
	Channel   Channel
	Address   string
	Confirmed bool
	Awaiting  bool // a code was sent and may still be typed back
}

// Preferences are a person's choices: addresses, channels per kind,
// language and quiet hours.
type Preferences struct {
	Addresses map[Channel]Address
	// Enabled says, per kind and channel, whether notices of the kind go
	// out through the channel (when its address is confirmed).
	Enabled  map[Kind]map[Channel]bool
	Settings Settings
	// Channels are the channels whose address the person gives here
	// and the portal can send through.
	Channels []Channel
	// KindChannels are the channels the person chooses per kind: those
	// of Channels, and push once a device of theirs is registered.
	KindChannels []Channel
	// Devices is how many of the person's devices take push notices.
	Devices int
	// Districts are the city's districts «Мій район» is chosen from.
	Districts []Choice
}

// Preferences reads account's preferences in one transaction.
func (s *Service) Preferences(ctx context.Context, account uuid.UUID) (*Preferences, error) {
	p := &Preferences{Addresses: map[Channel]Address{}, Enabled: map[Kind]map[Channel]bool{}}
	for _, c := range addressChannels {
		if s.channelOn(c) {
			p.Channels = append(p.Channels, c)
		}
	}
	for _, k := range Kinds {
		p.Enabled[k] = map[Channel]bool{}
		for _, c := range Channels {
			p.Enabled[k][c] = !optIn(k)
		}
	}
	now := s.o.Now()
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT channel, address, confirmed_at IS NOT NULL, code_hash IS NOT NULL AND code_expires > $2
			FROM notify_contacts WHERE account_id = $1`, account, now)
		if err != nil {
			return err
		}
		as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Address, error) {
			var a Address
			return a, r.Scan(&a.Channel, &a.Address, &a.Confirmed, &a.Awaiting)
		})
		if err != nil {
			return err
		}
		for _, a := range as {
			p.Addresses[a.Channel] = a
		}
		rows, err = tx.Query(ctx, `SELECT kind, channel, enabled FROM notify_preferences WHERE account_id = $1`, account)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				k  Kind
				c  Channel
				on bool
			)
			if err := rows.Scan(&k, &c, &on); err != nil {
				return err
			}
			if p.Enabled[k] != nil {
				p.Enabled[k][c] = on
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if p.Settings, err = settingsOf(ctx, tx, account); err != nil {
			return err
		}
		if p.Devices, err = s.devices(ctx, tx, account); err != nil {
			return err
		}
		if p.Districts, err = districts(ctx, tx); err != nil {
			return err
		}
		p.KindChannels = kindChannels(p.Channels, p.Devices)
		return nil
	})
	return p, err
}

// kindChannels are the channels offered per kind: the address channels,
// and push when the person has a device (a choice about a channel that
// cannot reach them would only puzzle).
func kindChannels(address []Channel, devices int) []Channel {
	if devices == 0 {
		return address
	}
	return append(slices.Clone(address), Push)
}

// devices counts account's devices the portal can send push notices to.
func (s *Service) devices(ctx context.Context, tx pgx.Tx, account uuid.UUID) (int, error) {
	var on []Platform
	for _, p := range []Platform{FCMPlatform, WebPushPlatform} {
		if s.platformOn(p) {
			on = append(on, p)
		}
	}
	if len(on) == 0 {
		return 0, nil
	}
	return countDevices(ctx, tx, account, on)
}

// errQuietRange: quiet hours are minutes of a day.
var errQuietRange = errors.New("notify: quiet hours out of range")

// SavePreferences replaces account's channels per kind, language and
// quiet hours and «Мій район» (ErrDistrict when it is not one of the
// city's districts). Only the channels the page offers are written: a channel
// it did not show (push before a device is registered, one the portal
// does not send through) keeps its choice, so it is on when it comes.
// Saving the same twice changes nothing the second time.
func (s *Service) SavePreferences(ctx context.Context, account uuid.UUID, enabled map[Kind]map[Channel]bool, st Settings) error {
	if st.QuietFrom < 0 || st.QuietFrom >= 24*60 || st.QuietTo < 0 || st.QuietTo >= 24*60 {
		return errQuietRange
	}
	if st.Language != "en" {
		st.Language = "uk"
	}
	var address []Channel
	for _, c := range addressChannels {
		if s.channelOn(c) {
			address = append(address, c)
		}
	}
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if st.District != "" {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM appeal_districts WHERE code = $1)`, st.District).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return ErrDistrict
			}
		}
		n, err := s.devices(ctx, tx, account)
		if err != nil {
			return err
		}
		for _, k := range Kinds {
			for _, c := range kindChannels(address, n) {
				if _, err := tx.Exec(ctx, `INSERT INTO notify_preferences (tenant_id, account_id, kind, channel, enabled)
					VALUES (app_tenant_id(), $1, $2, $3, $4)
					ON CONFLICT (tenant_id, account_id, kind, channel) DO UPDATE SET enabled = $4`, account, k, c, enabled[k][c]); err != nil {
					return err
				}
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO notify_settings (tenant_id, account_id, language, quiet_from, quiet_to, digest, district)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, NULLIF($6, ''))
			ON CONFLICT (tenant_id, account_id) DO UPDATE SET language = $2, quiet_from = $3, quiet_to = $4, digest = $5, district = NULLIF($6, '')`,
			account, st.Language, st.QuietFrom, st.QuietTo, st.Digest, st.District)
		return err
	})
}

// clock is "HH:MM" of minutes after midnight (an <input type=time>).
func clock(minutes int) string {
	return time.Date(2000, 1, 1, 0, minutes, 0, 0, time.UTC).Format("15:04")
}
