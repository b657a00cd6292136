package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/tenant"
)

// ErrPermanent marks a sender's error that no retry can cure (an SMTP
// server's 5xx, a gateway's refusal of the number): the delivery fails at
// once. Any other error is temporary and retried with back-off.
var ErrPermanent = errors.New("notify: permanent failure")

// DefaultSendingLease is how long a delivery marked sending belongs to
// the attempt that marked it, unless Options.SendingLease says otherwise.
// A job that finds it sending for longer is the rescue of an attempt
// whose process died mid-send: it sends again (the e-mail carries the
// same Message-ID, so a mail client shows one). It must outlast any
// attempt: the server sets it to the jobs' timeout, which cancels one.
const DefaultSendingLease = 2 * time.Minute

// outcome is what an attempt found out, written with the job's completion.
type outcome struct {
	skip   bool // already delivered or failed for good: nothing to write
	status Status
	ref    string // the provider's id of the message
	errMsg string
	segs   int
	// disable is the device (a push delivery's address) the push service
	// disowned: it is disabled with the outcome.
	disable string
}

// delivery is a delivery row with its notice, as the sender needs it.
type delivery struct {
	ID       uuid.UUID
	Notice   uuid.UUID
	Account  uuid.UUID
	Channel  Channel
	Address  string
	Status   Status
	Updated  time.Time
	Attempts int // this one's included
	Kind     Kind
	Urgency  Urgency
	Key      string
	Args     map[string]any
	Secret   map[string]any
	Language string
}

// Worker returns the River worker of deliveries.
func (s *Service) Worker() river.Worker[DeliverArgs] {
	w := tenant.NewStepWorker(s.o.DB, s.attempt, s.record)
	w.RetryAfter = s.o.RetryAfter
	return w
}

// attempt takes the delivery (in its own short transaction, so the row
// says "sending" while the message is out), sends it with no transaction
// open, and says how it went. A temporary failure is written at once and
// returned, for River to try again later; on the last attempt it is a
// permanent failure instead.
func (s *Service) attempt(ctx context.Context, job *river.Job[DeliverArgs]) (outcome, error) {
	var (
		d   *delivery
		msg message
	)
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if d, err = claim(ctx, tx, job.Args.DeliveryID, s.o.Now(), s.o.SendingLease, s.o.RateLimit); err != nil || d == nil {
			return err
		}
		msg, err = s.compose(ctx, tx, d)
		return err
	})
	if errors.Is(err, errBusy) {
		return outcome{}, river.JobSnooze(s.o.SendingLease)
	}
	if errors.Is(err, errRateLimited) {
		return outcome{}, river.JobSnooze(rateWindow / 4)
	}
	if errors.Is(err, errDeviceGone) {
		// Disowned or moved since the notice was posted: the claim is
		// rolled back, and the delivery ends here.
		return outcome{status: Permanent, errMsg: err.Error()}, nil
	}
	if err != nil || d == nil {
		return outcome{skip: d == nil}, err
	}
	ref, segs, err := s.send(ctx, d, msg)
	var later *retryLater
	switch {
	case err == nil:
		return outcome{status: Delivered, ref: ref, segs: segs}, nil
	case errors.Is(err, ErrUnregistered):
		s.o.Log.Info("notify: device unregistered, disabled", "delivery", d.ID, "device", d.Address, "error", err)
		return outcome{status: Permanent, errMsg: err.Error(), disable: d.Address}, nil
	case errors.Is(err, ErrPermanent):
		s.o.Log.Warn("notify: delivery refused", "delivery", d.ID, "channel", d.Channel, "error", err)
		return outcome{status: Permanent, errMsg: err.Error()}, nil
	case max(job.Attempt, d.Attempts) >= job.MaxAttempts:
		s.o.Log.Warn("notify: delivery out of attempts", "delivery", d.ID, "channel", d.Channel, "error", err)
		return outcome{status: Permanent, errMsg: fmt.Sprintf("%d attempts: %v", max(job.Attempt, d.Attempts), err)}, nil
	}
	s.o.Log.Info("notify: delivery failed, will retry", "delivery", d.ID, "channel", d.Channel, "attempt", d.Attempts, "error", err)
	if werr := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return setOutcome(ctx, tx, d.ID, outcome{status: Temporary, errMsg: err.Error()})
	}); werr != nil {
		return outcome{}, errors.Join(err, werr)
	}
	if errors.As(err, &later) {
		// The service said when (a quota, an overload): no sooner, and
		// not counted as River's attempt — the row's attempts bound it.
		return outcome{}, river.JobSnooze(max(later.after, s.o.RetryAfter(d.Attempts)))
	}
	return outcome{}, err
}

// record writes the attempt's outcome in the transaction that completes
// its job.
func (s *Service) record(ctx context.Context, tx pgx.Tx, job *river.Job[DeliverArgs], o outcome) error {
	if o.skip {
		return nil
	}
	if o.disable != "" {
		if err := disableDevice(ctx, tx, o.disable, o.errMsg); err != nil {
			return err
		}
	}
	return setOutcome(ctx, tx, job.Args.DeliveryID, o)
}

var (
	errBusy        = errors.New("notify: the delivery is being sent by another attempt")
	errRateLimited = errors.New("notify: the city's rate limit of the channel is reached")
)

// rateWindow is the window of the rate limits.
const rateWindow = time.Minute

// claim locks the delivery and marks it sending. It returns nil when there
// is nothing to do (delivered, failed for good, or gone) and errBusy when
// another attempt holds it.
func claim(ctx context.Context, tx pgx.Tx, id uuid.UUID, now time.Time, lease time.Duration, limits map[Channel]int) (*delivery, error) {
	var d delivery
	err := tx.QueryRow(ctx, `SELECT d.id, d.notification_id, n.account_id, d.channel, d.address, d.status, d.updated_at,
			d.attempts + 1, n.kind, n.urgency, n.key, n.args, d.secret_args, coalesce(s.language, 'uk')
		FROM notify_deliveries d
		JOIN notifications n ON n.tenant_id = d.tenant_id AND n.id = d.notification_id
		LEFT JOIN notify_settings s ON s.tenant_id = n.tenant_id AND s.account_id = n.account_id
		WHERE d.id = $1 FOR UPDATE OF d`, id).
		Scan(&d.ID, &d.Notice, &d.Account, &d.Channel, &d.Address, &d.Status, &d.Updated, &d.Attempts, &d.Kind, &d.Urgency, &d.Key, &d.Args, &d.Secret, &d.Language)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch d.Status {
	case Delivered, Permanent:
		return nil, nil
	case Sending:
		if now.Sub(d.Updated) < lease {
			return nil, errBusy
		}
	}
	// An urgent notice (a result, a security alert, a one-time code) is
	// never held back by the rate limit: it counts against the city's
	// budget, but a bulk send that has spent the minute's budget must not
	// make it wait (the notices' bench saw urgent p99 of 1 min 52 s under
	// a bulk send when it did). The limit shapes normal and bulk traffic.
	if d.Urgency != Urgent {
		if err := underLimit(ctx, tx, d.Channel, now, limits); err != nil {
			return nil, err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE notify_deliveries SET status = 'sending', attempts = attempts + 1, updated_at = $2 WHERE id = $1`, id, now)
	return &d, err
}

// underLimit is errRateLimited when the city has sent its limit through
// channel in the window: counted in the tenant (RLS), so one city's flood
// never holds back another's; the limit is the city's own (its rate
// limits page) or the platform's (limits).
func underLimit(ctx context.Context, tx pgx.Tx, channel Channel, now time.Time, limits map[Channel]int) error {
	var (
		sent int
		own  *int
	)
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM notify_deliveries WHERE channel = $1 AND status IN ('sending', 'delivered') AND updated_at > $2),
			(SELECT per_minute FROM notify_rate_limits WHERE channel = $1)`,
		channel, now.Add(-rateWindow)).Scan(&sent, &own); err != nil {
		return err
	}
	limit := limits[channel]
	if own != nil {
		limit = *own
	}
	if sent >= limit {
		return errRateLimited
	}
	return nil
}

// setOutcome writes an attempt's outcome. A finished delivery forgets its
// secret arguments (a one-time code lives only until it is sent).
func setOutcome(ctx context.Context, tx pgx.Tx, id uuid.UUID, o outcome) error {
	_, err := tx.Exec(ctx, `UPDATE notify_deliveries SET status = $2, provider_ref = $3, last_error = $4, segments = $5, updated_at = now(),
			delivered_at = CASE WHEN $2 = 'delivered' THEN now() END,
			secret_args = CASE WHEN $2 IN ('delivered', 'permanent') THEN '{}' ELSE secret_args END
		WHERE id = $1`, id, o.status, o.ref, truncate(o.errMsg, 500), o.segs)
	return err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// send hands the composed message to its channel's sender.
func (s *Service) send(ctx context.Context, d *delivery, m message) (ref string, segments int, err error) {
	switch d.Channel {
	case Email:
		if s.o.Mail == nil {
			return "", 0, fmt.Errorf("%w: e-mail is not configured", ErrPermanent)
		}
		return m.MessageID, 0, s.o.Mail.Send(ctx, m.From, d.Address, m.Raw)
	case SMS:
		if s.o.SMS == nil {
			return "", 0, fmt.Errorf("%w: SMS is not configured", ErrPermanent)
		}
		n, ucs2 := Segments(m.Text)
		s.o.Log.Info("notify: SMS", "delivery", d.ID, "segments", n, "ucs2", ucs2)
		ref, err := s.o.SMS.Send(ctx, m.Sender, d.Address, m.Text)
		return ref, n, err
	case Push:
		return s.push(ctx, m)
	}
	return "", 0, fmt.Errorf("%w: unknown channel %q", ErrPermanent, d.Channel)
}
