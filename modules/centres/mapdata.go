package centres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
)

// MapCentre is a centre on the map and in the list beside it.
type MapCentre struct {
	catalog.Centre
	// Next is the earliest time a window of the centre is free for its
	// shortest appointment, within Horizon days; nil when none (or the
	// centre takes no bookings).
	Next *time.Time
}

// Map is every centre, branch and remote workplace of the city with its
// next free time.
func (s *Service) Map(ctx context.Context) ([]MapCentre, error) {
	var out []MapCentre
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cs, err := catalog.Centres(ctx, tx)
		if err != nil {
			return err
		}
		for _, c := range cs {
			mc := MapCentre{Centre: c}
			if mc.Next, err = s.nextFree(ctx, tx, c.Code); err != nil {
				return err
			}
			out = append(out, mc)
		}
		return nil
	})
	return out, err
}

// nextFree is the centre's earliest free time for its shortest
// appointment at any window that serves something.
func (s *Service) nextFree(ctx context.Context, tx pgx.Tx, code string) (*time.Time, error) {
	cid, err := centreID(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	var minutes *int
	if err := tx.QueryRow(ctx, `SELECT min(coalesce(d.minutes, $2)) FROM window_services ws
		JOIN centre_windows w ON w.tenant_id = ws.tenant_id AND w.id = ws.window_id
		LEFT JOIN service_durations d ON d.tenant_id = ws.tenant_id AND d.service_id = ws.service_id
		WHERE w.centre_id = $1`, cid, defaultMinutes).Scan(&minutes); err != nil {
		return nil, fmt.Errorf("centres: next free time: %w", err)
	}
	if minutes == nil {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT id, number FROM centre_windows w WHERE centre_id = $1
		AND EXISTS (SELECT 1 FROM window_services ws WHERE ws.tenant_id = w.tenant_id AND ws.window_id = w.id) ORDER BY number`, cid)
	if err != nil {
		return nil, fmt.Errorf("centres: next free time: %w", err)
	}
	windows, err := pgx.CollectRows(rows, pgx.RowToStructByPos[window])
	if err != nil {
		return nil, fmt.Errorf("centres: next free time: %w", err)
	}
	// A week ahead is enough for the map (it is computed for every centre
	// on each view); a centre full for a week says so there, and its
	// booking page looks Horizon days ahead.
	cal, err := s.calendarOf(ctx, tx, cid, *minutes, windows, s.now(), uuid.Nil, 7)
	if err != nil {
		return nil, err
	}
	for _, d := range cal.days {
		for _, sl := range d.slots {
			if sl.Free > 0 {
				t := sl.Start
				return &t, nil
			}
		}
	}
	return nil, nil
}
