package centres

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
)

// Setup is how a centre receives people: who runs it, its hours, its
// windows with the services each serves, and how long services take. The
// demo cities' come from demo/<city>/centres.json; the JSON shape is this.
type Setup struct {
	Centre   string         `json:"centre"`   // catalog's centre code
	Provider string         `json:"provider"` // the provider whose officials are its clerks
	Hours    []SetupHours   `json:"hours"`
	Windows  []SetupWindow  `json:"windows"`
	Minutes  map[string]int `json:"minutes"` // service code → appointment length
}

// SetupHours are a weekday's hours, "HH:MM"; Break "HH:MM-HH:MM" or "".
type SetupHours struct {
	Weekday int    `json:"weekday"` // ISO: 1 = Monday
	Opens   string `json:"opens"`
	Closes  string `json:"closes"`
	Break   string `json:"break,omitempty"`
}

// SetupWindow is a window and the services it serves.
type SetupWindow struct {
	Number   int      `json:"number"`
	Services []string `json:"services"`
}

// Configure writes setup for the tenant of tx (the centre's hours,
// windows and durations are replaced; its display key is kept). Running
// it again changes nothing.
func Configure(ctx context.Context, tx pgx.Tx, setup Setup) error {
	cid, err := centreID(ctx, tx, setup.Centre)
	if err != nil {
		return err
	}
	ps, err := access.Providers(ctx, tx)
	if err != nil {
		return fmt.Errorf("centres: configure %s: %w", setup.Centre, err)
	}
	i := slices.IndexFunc(ps, func(p access.Provider) bool { return p.Code == setup.Provider })
	if i < 0 {
		return fmt.Errorf("centres: configure %s: no provider %q", setup.Centre, setup.Provider)
	}
	pid := ps[i].ID
	if _, err := tx.Exec(ctx, `INSERT INTO centre_settings (tenant_id, centre_id, provider_id, display_key) VALUES (app_tenant_id(), $1, $2, $3)
		ON CONFLICT (tenant_id, centre_id) DO UPDATE SET provider_id = EXCLUDED.provider_id`, cid, pid, newDisplayKey()); err != nil {
		return fmt.Errorf("centres: configure %s: %w", setup.Centre, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM centre_hours WHERE centre_id = $1`, cid); err != nil {
		return fmt.Errorf("centres: configure %s: %w", setup.Centre, err)
	}
	for _, h := range setup.Hours {
		var from, to *string
		if a, b, ok := strings.Cut(h.Break, "-"); ok {
			from, to = &a, &b
		}
		if _, err := tx.Exec(ctx, `INSERT INTO centre_hours (tenant_id, centre_id, weekday, opens, closes, break_from, break_to)
			VALUES (app_tenant_id(), $1, $2, $3::time, $4::time, $5::time, $6::time)`, cid, h.Weekday, h.Opens, h.Closes, from, to); err != nil {
			return fmt.Errorf("centres: configure %s hours of day %d: %w", setup.Centre, h.Weekday, err)
		}
	}
	for _, w := range setup.Windows {
		var wid string
		if err := tx.QueryRow(ctx, `INSERT INTO centre_windows (tenant_id, id, centre_id, number) VALUES (app_tenant_id(), gen_random_uuid(), $1, $2)
			ON CONFLICT (tenant_id, centre_id, number) DO UPDATE SET number = EXCLUDED.number RETURNING id::text`, cid, w.Number).Scan(&wid); err != nil {
			return fmt.Errorf("centres: configure %s window %d: %w", setup.Centre, w.Number, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM window_services WHERE window_id = $1`, wid); err != nil {
			return fmt.Errorf("centres: configure %s window %d: %w", setup.Centre, w.Number, err)
		}
		for _, code := range w.Services {
			tag, err := tx.Exec(ctx, `INSERT INTO window_services (tenant_id, window_id, service_id)
				SELECT app_tenant_id(), $1, id FROM services WHERE code = $2`, wid, code)
			if err != nil {
				return fmt.Errorf("centres: configure %s window %d: %w", setup.Centre, w.Number, err)
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("centres: configure %s window %d: no service %q", setup.Centre, w.Number, code)
			}
		}
	}
	for code, m := range setup.Minutes {
		tag, err := tx.Exec(ctx, `INSERT INTO service_durations (tenant_id, service_id, minutes) SELECT app_tenant_id(), id, $2 FROM services WHERE code = $1
			ON CONFLICT (tenant_id, service_id) DO UPDATE SET minutes = EXCLUDED.minutes`, code, m)
		if err != nil {
			return fmt.Errorf("centres: configure duration of %s: %w", code, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("centres: configure duration: no service %q", code)
		}
	}
	return nil
}

// newDisplayKey is the secret of a hall display's link.
func newDisplayKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
