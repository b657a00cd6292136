package centres

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/catalog"
)

// The day's electronic queue of a centre (ZMS's anchors): a booked person
// checks in on arrival and gets a ticket (З-003), a walk-in takes one
// (А-012); a clerk calls the next person whose service the window serves,
// then marks them served or not come. Waiting time is from arrival to the
// call, service time from the call to the end; both are kept as instants.

// Errors the clerks see.
var (
	ErrWindowBusy  = apperr.New(apperr.Conflict, "centres.error_window_busy")
	ErrQueueEmpty  = apperr.New(apperr.Conflict, "centres.error_queue_empty")
	ErrWrongStatus = apperr.New(apperr.Conflict, "centres.error_status")
	ErrNoWindow    = apperr.New(apperr.Invalid, "centres.error_window")
)

// Queue is a centre's day as the clerks see it.
type Queue struct {
	Centre   *catalog.Centre
	Services []catalog.Published // bookable here: a walk-in's choices
	Windows  []int
	Visits   []Visit // today's, by time (booked) or arrival
	// AvgWait and AvgService are today's averages of those called and of
	// those served; zero when none.
	AvgWait, AvgService time.Duration
	DisplayKey          string
}

// Waiting are the visits waiting to be called.
func (q *Queue) Waiting() []Visit { return q.with(Arrived) }

// Booked are today's bookings not yet arrived.
func (q *Queue) Booked() []Visit { return q.with(Booked) }

// Called are the visits at a window now.
func (q *Queue) Called() []Visit { return q.with(Called) }

func (q *Queue) with(st Status) []Visit {
	var out []Visit
	for _, v := range q.Visits {
		if v.Status == st {
			out = append(out, v)
		}
	}
	return out
}

// ScopeCentre is the route scope of a centre's staff pages: the provider
// running the centre of the URL's {code} (centre_settings), so that only
// that provider's officials reach its queue.
func ScopeCentre(ctx context.Context, tx pgx.Tx, r *http.Request) (string, error) {
	var p uuid.UUID
	err := tx.QueryRow(ctx, `SELECT s.provider_id FROM centre_settings s JOIN centres c ON c.tenant_id = s.tenant_id AND c.id = s.centre_id
		WHERE c.code = $1`, chi.URLParam(r, "code")).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("centres: scope of centre: %w", err)
	}
	return p.String(), nil
}

// Queue reads the centre's queue today.
func (s *Service) Queue(ctx context.Context, code string) (*Queue, error) {
	var q Queue
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		c, svcs, err := catalog.CentreByCode(ctx, tx, code)
		if errors.Is(err, catalog.ErrNoService) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		q.Centre = c
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		ok, err := bookable(ctx, tx, cid)
		if err != nil {
			return err
		}
		for _, sv := range svcs {
			if ok[sv.ID] {
				q.Services = append(q.Services, sv)
			}
		}
		rows, err := tx.Query(ctx, `SELECT number FROM centre_windows WHERE centre_id = $1 ORDER BY number`, cid)
		if err != nil {
			return fmt.Errorf("centres: windows: %w", err)
		}
		if q.Windows, err = pgx.CollectRows(rows, pgx.RowTo[int]); err != nil {
			return fmt.Errorf("centres: windows: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT display_key FROM centre_settings WHERE centre_id = $1`, cid).Scan(&q.DisplayKey); err != nil {
			return fmt.Errorf("centres: display key: %w", err)
		}
		if q.Visits, err = visits(ctx, tx, `WHERE v.centre_id = $1 AND v.day = $2 AND v.status <> 'cancelled'
			ORDER BY coalesce(v.starts_at, v.arrived_at), v.created_at`, cid, localDay(s.now())); err != nil {
			return err
		}
		var wait, service float64
		err = tx.QueryRow(ctx, `SELECT coalesce(avg(extract(epoch FROM called_at - arrived_at)), 0),
				coalesce(avg(extract(epoch FROM finished_at - called_at)) FILTER (WHERE status = 'served'), 0)
			FROM visits WHERE centre_id = $1 AND day = $2 AND called_at IS NOT NULL`, cid, localDay(s.now())).Scan(&wait, &service)
		if err != nil {
			return fmt.Errorf("centres: queue times: %w", err)
		}
		q.AvgWait, q.AvgService = time.Duration(wait*float64(time.Second)), time.Duration(service*float64(time.Second))
		return nil
	})
	return &q, err
}

// queueVisit is the visit with id at the centre with code, locked.
func queueVisit(ctx context.Context, tx pgx.Tx, code string, id uuid.UUID) (*Visit, error) {
	vs, err := visits(ctx, tx, `WHERE c.code = $1 AND v.id = $2 FOR UPDATE OF v`, code, id)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, ErrNotFound
	}
	return &vs[0], nil
}

// CheckIn marks a booked person arrived and gives them today's next
// booking ticket (З-…). Checking in again changes nothing.
func (s *Service) CheckIn(ctx context.Context, code string, id uuid.UUID) (*Visit, error) {
	var v *Visit
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if v, err = queueVisit(ctx, tx, code, id); err != nil {
			return err
		}
		if v.Status == Arrived {
			return nil
		}
		if v.Status != Booked || !localDay(v.Start).Equal(localDay(s.now())) {
			return ErrWrongStatus
		}
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		if v.Ticket, err = takeTicket(ctx, tx, cid, localDay(s.now()), "З"); err != nil {
			return err
		}
		v.Status = Arrived
		_, err = tx.Exec(ctx, `UPDATE visits SET status = 'arrived', arrived_at = $2, ticket = $3 WHERE id = $1`, v.ID, s.now(), v.Ticket)
		if err != nil {
			return fmt.Errorf("centres: check in: %w", err)
		}
		return nil
	})
	return v, err
}

// WalkIn gives a person who came without a booking a ticket (А-…) for
// the service with serviceCode. key is the form's id (as Book's): the
// same form sent twice gives one ticket.
func (s *Service) WalkIn(ctx context.Context, code, serviceCode string, key uuid.UUID) (*Visit, error) {
	var v *Visit
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		svc, err := serviceAt(ctx, tx, code, serviceCode)
		if err != nil {
			return err
		}
		ok, err := bookable(ctx, tx, cid)
		if err != nil {
			return err
		}
		if !ok[svc.ID] {
			return ErrNoService
		}
		now := s.now()
		ticket, err := takeTicket(ctx, tx, cid, localDay(now), "А")
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO visits (tenant_id, id, kind, code, ticket, centre_id, service_id, day, status, created_at, arrived_at)
			VALUES (app_tenant_id(), $1, 'walk_in', $2, $3, $4, $5, $6, 'arrived', $7, $7) ON CONFLICT (tenant_id, id) DO NOTHING`,
			key, newCode(), ticket, cid, svc.ID, localDay(now), now)
		if err != nil {
			return fmt.Errorf("centres: walk-in: %w", err)
		}
		if tag.RowsAffected() == 0 {
			// The form sent again: its ticket stands, the number taken
			// now is given back.
			return errAgain
		}
		v, err = queueVisit(ctx, tx, code, key)
		return err
	})
	if errors.Is(err, errAgain) {
		err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			vs, err := visits(ctx, tx, `WHERE c.code = $1 AND v.id = $2`, code, key)
			if err == nil && len(vs) == 0 {
				err = ErrNotFound
			}
			if err == nil {
				v = &vs[0]
			}
			return err
		})
	}
	return v, err
}

// errAgain rolls back a walk-in's second submission.
var errAgain = errors.New("centres: the form was sent again")

// CallNext calls the next person waiting whose service window serves to
// window: the earliest booked time or arrival first. Two clerks calling
// at once call two people (SKIP LOCKED); a window with someone still at
// it calls nobody (ErrWindowBusy), so a second click changes nothing.
func (s *Service) CallNext(ctx context.Context, code string, window int) (*Visit, error) {
	var v *Visit
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		var wid uuid.UUID
		err = tx.QueryRow(ctx, `SELECT id FROM centre_windows WHERE centre_id = $1 AND number = $2 FOR UPDATE`, cid, window).Scan(&wid)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoWindow
		}
		if err != nil {
			return fmt.Errorf("centres: window: %w", err)
		}
		var busy bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM visits WHERE called_window_id = $1 AND status = 'called')`, wid).Scan(&busy); err != nil {
			return fmt.Errorf("centres: window: %w", err)
		}
		if busy {
			return ErrWindowBusy
		}
		now := s.now()
		vs, err := visits(ctx, tx, `WHERE v.centre_id = $1 AND v.day = $2 AND v.status = 'arrived'
			AND v.service_id IN (SELECT service_id FROM window_services WHERE window_id = $3)
			ORDER BY coalesce(v.starts_at, v.arrived_at), v.arrived_at LIMIT 1 FOR UPDATE OF v SKIP LOCKED`, cid, localDay(now), wid)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return ErrQueueEmpty
		}
		v = &vs[0]
		if _, err := tx.Exec(ctx, `UPDATE visits SET status = 'called', called_at = $2, called_window_id = $3 WHERE id = $1`, v.ID, now, wid); err != nil {
			return fmt.Errorf("centres: call: %w", err)
		}
		v.Status, v.CalledAt, v.CalledWindow = Called, &now, window
		return nil
	})
	return v, err
}

// Finish ends a visit: served (after a call) or no_show (a booked,
// waiting or called person who did not come). Finishing it the same way
// again changes nothing.
func (s *Service) Finish(ctx context.Context, code string, id uuid.UUID, to Status) (*Visit, error) {
	if to != Served && to != NoShow {
		return nil, ErrWrongStatus
	}
	var v *Visit
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if v, err = queueVisit(ctx, tx, code, id); err != nil {
			return err
		}
		if v.Status == to {
			return nil
		}
		allowed := v.Status == Called || (to == NoShow && (v.Status == Booked || v.Status == Arrived))
		if !allowed {
			return ErrWrongStatus
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE visits SET status = $2, finished_at = $3 WHERE id = $1`, v.ID, to, now); err != nil {
			return fmt.Errorf("centres: finish: %w", err)
		}
		v.Status, v.FinishedAt = to, &now
		return nil
	})
	return v, err
}

// Board is what a hall display shows: the people at the windows now, the
// latest call first, and how many wait.
type Board struct {
	Centre  *catalog.Centre
	Called  []Visit
	Waiting int
}

// Board reads the centre's hall display; ErrNotFound unless key is the
// centre's display key (the display's link is its only credential).
func (s *Service) Board(ctx context.Context, code, key string) (*Board, error) {
	var b Board
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT display_key = $2 FROM centre_settings WHERE centre_id = $1`, cid, key).Scan(&ok); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("centres: display: %w", err)
		}
		if !ok || key == "" {
			return ErrNotFound
		}
		if b.Centre, _, err = catalog.CentreByCode(ctx, tx, code); err != nil {
			return err
		}
		if b.Called, err = visits(ctx, tx, `WHERE v.centre_id = $1 AND v.day = $2 AND v.status = 'called' ORDER BY v.called_at DESC LIMIT 8`,
			cid, localDay(s.now())); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT count(*) FROM visits WHERE centre_id = $1 AND day = $2 AND status = 'arrived'`, cid, localDay(s.now())).Scan(&b.Waiting)
		if err != nil {
			return fmt.Errorf("centres: display: %w", err)
		}
		return nil
	})
	return &b, err
}

// RunBy are the codes and names of the centres the provider with id runs.
func (s *Service) RunBy(ctx context.Context, provider uuid.UUID) ([]catalog.Centre, error) {
	var out []catalog.Centre
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		all, err := catalog.Centres(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.code FROM centre_settings s JOIN centres c ON c.tenant_id = s.tenant_id AND c.id = s.centre_id
			WHERE s.provider_id = $1`, provider)
		if err != nil {
			return fmt.Errorf("centres: run by: %w", err)
		}
		codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("centres: run by: %w", err)
		}
		for _, c := range all {
			if slices.Contains(codes, c.Code) {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}
