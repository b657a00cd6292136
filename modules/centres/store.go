package centres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hromada/modules/catalog"
)

// The SQL of the centres' appointments and queues: unexported functions
// that take the Service's transaction.

// defaultMinutes is a slot's length for a service with no duration set.
const defaultMinutes = 15

// centreID is the id of catalog's centre with code: the key migration
// 0023's tables refer to (catalog.Centre carries the code only).
func centreID(ctx context.Context, tx pgx.Tx, code string) (uuid.UUID, error) {
	var id uuid.UUID
	err := tx.QueryRow(ctx, `SELECT id FROM centres WHERE code = $1`, code).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return id, ErrNotFound
	}
	if err != nil {
		return id, fmt.Errorf("centres: centre %q: %w", code, err)
	}
	return id, nil
}

func centreHours(ctx context.Context, tx pgx.Tx, centre uuid.UUID) ([]Hours, error) {
	rows, err := tx.Query(ctx, `SELECT weekday,
			extract(hour FROM opens)::int * 60 + extract(minute FROM opens)::int,
			extract(hour FROM closes)::int * 60 + extract(minute FROM closes)::int,
			coalesce(extract(hour FROM break_from)::int * 60 + extract(minute FROM break_from)::int, 0),
			coalesce(extract(hour FROM break_to)::int * 60 + extract(minute FROM break_to)::int, 0)
		FROM centre_hours WHERE centre_id = $1 ORDER BY weekday`, centre)
	if err != nil {
		return nil, fmt.Errorf("centres: hours: %w", err)
	}
	hs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Hours])
	if err != nil {
		return nil, fmt.Errorf("centres: hours: %w", err)
	}
	return hs, nil
}

// window is a centre's window as booking needs it.
type window struct {
	ID     uuid.UUID
	Number int
}

// windowsServing are the centre's windows that serve service, by number.
func windowsServing(ctx context.Context, tx pgx.Tx, centre, service uuid.UUID) ([]window, error) {
	rows, err := tx.Query(ctx, `SELECT w.id, w.number FROM centre_windows w
		JOIN window_services ws ON ws.tenant_id = w.tenant_id AND ws.window_id = w.id
		WHERE w.centre_id = $1 AND ws.service_id = $2 ORDER BY w.number`, centre, service)
	if err != nil {
		return nil, fmt.Errorf("centres: windows: %w", err)
	}
	ws, err := pgx.CollectRows(rows, pgx.RowToStructByPos[window])
	if err != nil {
		return nil, fmt.Errorf("centres: windows: %w", err)
	}
	return ws, nil
}

// bookable are the ids of the services some window of the centre serves.
func bookable(ctx context.Context, tx pgx.Tx, centre uuid.UUID) (map[uuid.UUID]bool, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT ws.service_id FROM window_services ws
		JOIN centre_windows w ON w.tenant_id = ws.tenant_id AND w.id = ws.window_id WHERE w.centre_id = $1`, centre)
	if err != nil {
		return nil, fmt.Errorf("centres: bookable services: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("centres: bookable services: %w", err)
	}
	out := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// minutesOf is how long an appointment for service takes.
func minutesOf(ctx context.Context, tx pgx.Tx, service uuid.UUID) (int, error) {
	var m int
	err := tx.QueryRow(ctx, `SELECT minutes FROM service_durations WHERE service_id = $1`, service).Scan(&m)
	if errors.Is(err, pgx.ErrNoRows) {
		return defaultMinutes, nil
	}
	if err != nil {
		return 0, fmt.Errorf("centres: duration: %w", err)
	}
	return m, nil
}

// bookedSpans are the times the centre's windows are booked between from
// and to, except the visit except (the one being moved).
func bookedSpans(ctx context.Context, tx pgx.Tx, centre uuid.UUID, from, to time.Time, except uuid.UUID) ([]span, error) {
	rows, err := tx.Query(ctx, `SELECT w.number, v.starts_at, v.ends_at FROM visits v
		JOIN centre_windows w ON w.tenant_id = v.tenant_id AND w.id = v.window_id
		WHERE v.centre_id = $1 AND v.kind = 'booking' AND v.status <> 'cancelled'
		  AND v.starts_at < $3 AND v.ends_at > $2 AND v.id <> $4`, centre, from, to, except)
	if err != nil {
		return nil, fmt.Errorf("centres: booked times: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[span])
	if err != nil {
		return nil, fmt.Errorf("centres: booked times: %w", err)
	}
	return out, nil
}

// lockPerson serialises one person's bookings in the city, so that the
// limit of MaxActive holds when they book from two tabs at once.
func lockPerson(ctx context.Context, tx pgx.Tx, account uuid.UUID) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('centres.person:' || app_tenant_id()::text || $1::text, 0))`, account)
	if err != nil {
		return fmt.Errorf("centres: lock the person's bookings: %w", err)
	}
	return nil
}

func activeBookings(ctx context.Context, tx pgx.Tx, account uuid.UUID, now time.Time) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM visits WHERE account_id = $1 AND status = 'booked' AND ends_at > $2`, account, now).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("centres: active bookings: %w", err)
	}
	return n, nil
}

// takeTicket is the centre's next ticket of letter on day: А-001, А-002 …
func takeTicket(ctx context.Context, tx pgx.Tx, centre uuid.UUID, day time.Time, letter string) (string, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO visit_counters (tenant_id, centre_id, day, letter, last) VALUES (app_tenant_id(), $1, $2, $3, 1)
		ON CONFLICT (tenant_id, centre_id, day, letter) DO UPDATE SET last = visit_counters.last + 1 RETURNING last`,
		centre, day, letter).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("centres: ticket: %w", err)
	}
	return fmt.Sprintf("%s-%03d", letter, n), nil
}

// codeAlphabet has no letters people confuse (0/O, 1/I/L).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newCode is a booking's code, e.g. "K7MQ-4X2B": 31⁸ ≈ 8.5·10¹¹, so it
// cannot be guessed, and the owner's account is checked anyway.
func newCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return string(out)
}

// isExclusion says err is the no-double-booking constraint refusing.
func isExclusion(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23P01"
}

// isDeadlock says err is PostgreSQL breaking a deadlock. Two transactions
// inserting overlapping bookings at the same instant each find the
// other's row in progress and wait for it; PostgreSQL then fails one of
// them, which tries again and now waits for the other's outcome.
func isDeadlock(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "40P01"
}

// deadlockRetries bounds the retries of one window after deadlocks.
const deadlockRetries = 20

// tryWindows runs write for each window in turn, each in a savepoint,
// until one is not refused by the no-double-booking constraint: a window
// another person booked meanwhile leaves the transaction usable for the
// next. It returns the window taken; ErrSlotTaken when none was.
func tryWindows(ctx context.Context, tx pgx.Tx, windows []window, write func(tx pgx.Tx, w window) error) (window, error) {
	for _, w := range windows {
		var err error
		for range deadlockRetries {
			err = pgx.BeginFunc(ctx, tx, func(tx pgx.Tx) error { return write(tx, w) })
			if !isDeadlock(err) {
				break
			}
		}
		if isExclusion(err) {
			continue
		}
		if err != nil {
			return w, fmt.Errorf("centres: book window %d: %w", w.Number, err)
		}
		return w, nil
	}
	return window{}, ErrSlotTaken
}

// insertBooking books v's slot at the first of windows that takes it.
// Its ticket is its code until the person arrives (checkIn).
func insertBooking(ctx context.Context, tx pgx.Tx, v *Visit, centre, service uuid.UUID, windows []window) error {
	w, err := tryWindows(ctx, tx, windows, func(tx pgx.Tx, w window) error {
		_, err := tx.Exec(ctx, `INSERT INTO visits (tenant_id, id, kind, code, ticket, centre_id, service_id, account_id, window_id, starts_at, ends_at, day, status, created_at)
			VALUES (app_tenant_id(), $1, 'booking', $2, $2, $3, $4, $5, $6, $7, $8, $9, 'booked', $10)`,
			v.ID, v.Code, centre, service, v.Account, w.ID, v.Start, v.End, localDay(v.Start), v.CreatedAt)
		return err
	})
	v.Window = w.Number
	return err
}

// moveBooking moves the booking v to slot at the first of windows that
// takes it.
func moveBooking(ctx context.Context, tx pgx.Tx, v *Visit, slot Slot, windows []window) error {
	w, err := tryWindows(ctx, tx, windows, func(tx pgx.Tx, w window) error {
		_, err := tx.Exec(ctx, `UPDATE visits SET window_id = $2, starts_at = $3, ends_at = $4, day = $5, reminded_at = NULL WHERE id = $1`,
			v.ID, w.ID, slot.Start, slot.End, localDay(slot.Start))
		return err
	})
	if err == nil {
		v.Window, v.Start, v.End = w.Number, slot.Start, slot.End
	}
	return err
}

// visitColumns are what scanVisit reads, over visits v joined to the
// centre c, the service s and the windows w (booked) and cw (called).
const visitColumns = `v.id, v.kind, v.code, v.ticket, c.code, c.name, c.address, s.code, s.content->'name', v.account_id,
	coalesce(w.number, 0), v.starts_at, v.ends_at, v.status, v.created_at, v.arrived_at, v.called_at, coalesce(cw.number, 0), v.finished_at`

const visitFrom = ` FROM visits v
	JOIN centres c ON c.tenant_id = v.tenant_id AND c.id = v.centre_id
	JOIN services s ON s.tenant_id = v.tenant_id AND s.id = v.service_id
	LEFT JOIN centre_windows w ON w.tenant_id = v.tenant_id AND w.id = v.window_id
	LEFT JOIN centre_windows cw ON cw.tenant_id = v.tenant_id AND cw.id = v.called_window_id `

func scanVisit(r pgx.CollectableRow) (Visit, error) {
	var (
		v          Visit
		start, end *time.Time
	)
	err := r.Scan(&v.ID, &v.Kind, &v.Code, &v.Ticket, &v.CentreCode, &v.CentreName, &v.CentreAddr, &v.ServiceCode, &v.ServiceName,
		&v.Account, &v.Window, &start, &end, &v.Status, &v.CreatedAt, &v.ArrivedAt, &v.CalledAt, &v.CalledWindow, &v.FinishedAt)
	if start != nil && end != nil {
		v.Start, v.End = *start, *end
	}
	return v, err
}

// visits are the visits matching where (over visitFrom's aliases).
func visits(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]Visit, error) {
	rows, err := tx.Query(ctx, `SELECT `+visitColumns+visitFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("centres: visits: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanVisit)
	if err != nil {
		return nil, fmt.Errorf("centres: visits: %w", err)
	}
	return out, nil
}

// ownBooking is account's booking with code, locked when forUpdate.
func ownBooking(ctx context.Context, tx pgx.Tx, account uuid.UUID, code string, forUpdate bool) (*Visit, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE OF v"
	}
	vs, err := visits(ctx, tx, `WHERE v.code = $1 AND v.account_id = $2 AND v.kind = 'booking'`+lock, code, account)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, ErrNotFound
	}
	return &vs[0], nil
}

// serviceAt resolves a service code among the centre's bookable services.
func serviceAt(ctx context.Context, tx pgx.Tx, centre string, code string) (catalog.Published, error) {
	_, svcs, err := catalog.CentreByCode(ctx, tx, centre)
	if err != nil {
		return catalog.Published{}, err
	}
	for _, s := range svcs {
		if s.Content.Code == code {
			return s, nil
		}
	}
	return catalog.Published{}, ErrNoService
}
