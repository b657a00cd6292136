package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/modules/access"
	"hromada/tenant"
)

// DeliverArgs sends one delivery. Its lane is its River queue, so urgent
// notices never wait behind bulk ones.
type DeliverArgs struct {
	tenant.Envelope
	DeliveryID uuid.UUID `json:"delivery_id"`
	Lane       Urgency   `json:"lane"`
	// NotBefore holds a non-urgent notice until the person's quiet hours
	// end.
	NotBefore time.Time `json:"not_before,omitzero"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "notify.deliver" }

// The River queues of the lanes. The normal lane is the queue of
// applications' notify job (the result's notice, posted by that job until
// issue 24 moved it into the render job's transaction; the job remains
// for runs an earlier version left at that step): one queue of ordinary
// notices, and one producer less on the pool. The notice's deliveries
// were always in their own lane, urgent for results.
const (
	QueueUrgent = "notify_urgent"
	QueueNormal = "notify"
	QueueBulk   = "notify_bulk"
)

// The lanes' workers per process, as the server runs them (cmd/hromada;
// cmd/hromada-bench's notices measures with the same): urgent ones have
// the most, so a burst of them never queues; the bulk lane few, so a
// city's announcement leaves the pool and the SMTP relay to the rest.
const (
	UrgentWorkers = 10
	NormalWorkers = 5
	BulkWorkers   = 2
)

// QueueOf is the River queue of a lane.
func QueueOf(u Urgency) string {
	switch u {
	case Urgent:
		return QueueUrgent
	case Bulk:
		return QueueBulk
	}
	return QueueNormal
}

// MaxAttempts is how many times a delivery is tried before it is a
// permanent failure.
const MaxAttempts = 8

// InsertOpts implements river.JobArgsWithInsertOpts: unique per delivery,
// so a second insert of the same delivery is no second job.
func (a DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOf(a.Lane), MaxAttempts: MaxAttempts, ScheduledAt: a.NotBefore,
		UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Post puts n in its person's inbox and, per channel they enabled for its
// kind and confirmed, a delivery and its job, all in tx: the caller's
// transaction, so the notice exists if and only if its cause committed.
// It returns the notice's id.
func (s *Service) Post(ctx context.Context, tx pgx.Tx, n Notice) (uuid.UUID, error) {
	if n.Urgency == "" {
		n.Urgency = urgencyOf(n.Kind)
	}
	id, err := insertNotice(ctx, tx, n)
	if err != nil {
		return uuid.Nil, fmt.Errorf("notify: notice %s: %w", n.Key, err)
	}
	if later, err := digested(ctx, tx, n); err != nil || later {
		// In the inbox now; out by the channels with the day's digest.
		return id, err
	}
	targets, err := channelsFor(ctx, tx, n.Account, n.Kind)
	if err != nil {
		return uuid.Nil, fmt.Errorf("notify: notice %s: %w", n.Key, err)
	}
	for _, c := range targets {
		if !s.channelOn(c.Channel) || c.Channel == Push && !s.platformOn(c.Platform) {
			continue
		}
		if err := s.deliver(ctx, tx, id, n, c, nil); err != nil {
			return uuid.Nil, fmt.Errorf("notify: notice %s by %s: %w", n.Key, c.Channel, err)
		}
	}
	return id, nil
}

// Queued is a notice queued by Queue, finished by Finish.
type Queued struct {
	s        *Service
	n        Notice
	id       uuid.UUID
	contacts []contact
}

// Queue is Post split for a caller that pipelines its writes: it queues on
// b the notice's insert and the read of its person's channels; after b is
// sent in tx, Finish makes the deliveries, so the notice costs no round
// trip of its own when its person has no channel to deliver by. An error
// of the queued statements is the batch's.
func (s *Service) Queue(b *pgx.Batch, n Notice) (*Queued, error) {
	if n.Urgency == "" {
		n.Urgency = urgencyOf(n.Kind)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	q := &Queued{s: s, n: n, id: id}
	args := n.Args
	if args == nil {
		args = map[string]any{}
	}
	// The notice and its person's channels in one statement (issue 24:
	// each statement costs the server and pgx a statement's work); the
	// channels are read even when the notice waits for the digest (Finish
	// decides). The insert runs whatever the read finds, and its error is
	// the statement's.
	b.Queue(queueNoticeSQL, n.Account, n.Kind, optIn(n.Kind), id, n.Application, n.Key, args, n.Urgency).Fn = func(br pgx.BatchResults) error {
		rows, _ := br.Query()
		list, err := pgx.CollectRows(rows, scanContact)
		if err != nil {
			return fmt.Errorf("notify: notice %s: %w", n.Key, err)
		}
		q.contacts = list
		return nil
	}
	return q, nil
}

// Finish makes the queued notice's deliveries and their jobs, in tx (the
// one its batch was sent in), as Post does, and returns its id.
func (q *Queued) Finish(ctx context.Context, tx pgx.Tx) (uuid.UUID, error) {
	if later, err := digested(ctx, tx, q.n); err != nil || later {
		return q.id, err
	}
	for _, c := range q.contacts {
		if !q.s.channelOn(c.Channel) || c.Channel == Push && !q.s.platformOn(c.Platform) {
			continue
		}
		if err := q.s.deliver(ctx, tx, q.id, q.n, c, nil); err != nil {
			return uuid.Nil, fmt.Errorf("notify: notice %s by %s: %w", q.n.Key, c.Channel, err)
		}
	}
	return q.id, nil
}

// Account puts a notice with no application in account's inbox, in tx:
// the shape audit's NotifyFunc has (the lockout notices to the
// administrators, which go at once: security alerts).
func (s *Service) Account(ctx context.Context, tx pgx.Tx, account uuid.UUID, key string, args map[string]any) error {
	_, err := s.Post(ctx, tx, Notice{Account: account, Kind: KindSecurity, Key: key, Args: args})
	return err
}

// deliver writes the delivery of notice id through c and its job.
// secret are arguments for the channel's text only (a one-time code).
func (s *Service) deliver(ctx context.Context, tx pgx.Tx, id uuid.UUID, n Notice, c contact, secret map[string]any) error {
	did, err := insertDelivery(ctx, tx, id, c, secret)
	if err != nil {
		return err
	}
	env, err := tenant.EnvelopeFrom(ctx)
	if err != nil {
		return err
	}
	args := DeliverArgs{Envelope: env, DeliveryID: did, Lane: n.Urgency}
	if n.Urgency != Urgent {
		if args.NotBefore, err = s.quietEnd(ctx, tx, n.Account); err != nil {
			return err
		}
	}
	return s.o.Insert(ctx, tx, args)
}

// quietEnd is when account's quiet hours end if now is inside them; zero
// otherwise.
func (s *Service) quietEnd(ctx context.Context, tx pgx.Tx, account uuid.UUID) (time.Time, error) {
	st, err := settingsOf(ctx, tx, account)
	if err != nil {
		return time.Time{}, err
	}
	return st.quietEnd(s.o.Now()), nil
}

// quietEnd is when the quiet hours around at end, or zero when at is not
// in them. The hours are the city's local time; from > to spans midnight.
func (st Settings) quietEnd(at time.Time) time.Time {
	if st.QuietFrom == st.QuietTo {
		return time.Time{}
	}
	local := at.In(tenant.Zone)
	m := local.Hour()*60 + local.Minute()
	in := st.QuietFrom < st.QuietTo && m >= st.QuietFrom && m < st.QuietTo ||
		st.QuietFrom > st.QuietTo && (m >= st.QuietFrom || m < st.QuietTo)
	if !in {
		return time.Time{}
	}
	// time.Date normalises the minutes, across a change of clocks too.
	end := time.Date(local.Year(), local.Month(), local.Day(), 0, st.QuietTo, 0, 0, tenant.Zone)
	if !end.After(local) {
		end = time.Date(local.Year(), local.Month(), local.Day()+1, 0, st.QuietTo, 0, 0, tenant.Zone)
	}
	return end
}

// Officials posts a notice to every official of provider (new work in
// their competence), in tx: n.Account is set to each in turn.
func (s *Service) Officials(ctx context.Context, tx pgx.Tx, provider uuid.UUID, n Notice) error {
	ids, err := access.ProviderHoldersTx(ctx, tx, access.RoleOfficial, provider, s.o.Now())
	if err != nil {
		return err
	}
	for _, id := range ids {
		n.Account = id
		if _, err := s.Post(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}
