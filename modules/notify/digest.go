package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/tenant"
)

// Officials choose how new work reaches them beyond the inbox (seed 003
// §3.1.9): at once, or as a daily digest. With the digest, a new-work
// notice is in the inbox at once — the record — and goes out by the
// person's channels only as part of one summary a day, made at DigestHour
// Kyiv time: how many new applications came since the last one.

// DigestHour is the Kyiv hour from which a day's digest is made.
const DigestHour = 8

// digestKey is the summary notice's message.
const digestKey = "notify.digest"

// digested reports whether a notice goes to the inbox only, to wait for
// its person's digest: new work (not the digest itself) of a person who
// chose the digest.
func digested(ctx context.Context, tx pgx.Tx, n Notice) (bool, error) {
	if n.Kind != KindNewWork || n.Key == digestKey {
		return false, nil
	}
	st, err := settingsOf(ctx, tx, n.Account)
	return st.Digest, err
}

// Digest makes the city's digests due now, in one transaction: for each
// person who chose the digest and has none for today (Kyiv), once it is
// DigestHour, one summary notice of the new work that came since their
// last digest (or the last day), delivered by their channels for new
// work. A day with nothing new is marked made with no notice. It returns
// how many summaries it posted.
func (s *Service) Digest(ctx context.Context) (int, error) {
	var made int
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		made, err = s.digest(ctx, tx)
		return err
	})
	return made, err
}

func (s *Service) digest(ctx context.Context, tx pgx.Tx) (int, error) {
	now := s.o.Now().In(tenant.Zone)
	if now.Hour() < DigestHour {
		return 0, nil
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	rows, err := tx.Query(ctx, `SELECT st.account_id,
			coalesce((SELECT max(d.made_at) FROM notify_digests d WHERE d.account_id = st.account_id), $2::timestamptz - interval '1 day')
		FROM notify_settings st
		WHERE st.digest AND NOT EXISTS (SELECT FROM notify_digests d WHERE d.account_id = st.account_id AND d.day = $1)
		ORDER BY st.account_id`, today, now)
	if err != nil {
		return 0, fmt.Errorf("notify: digests due: %w", err)
	}
	type due struct {
		Account uuid.UUID
		Since   time.Time
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[due])
	if err != nil {
		return 0, fmt.Errorf("notify: digests due: %w", err)
	}
	made := 0
	for _, d := range list {
		var count int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM notifications
			WHERE account_id = $1 AND kind = $2 AND key <> $3 AND created_at > $4 AND created_at <= $5`,
			d.Account, KindNewWork, digestKey, d.Since, now).Scan(&count); err != nil {
			return made, fmt.Errorf("notify: digest of %s: %w", d.Account, err)
		}
		var id *uuid.UUID
		if count > 0 {
			nid, err := s.Post(ctx, tx, Notice{Account: d.Account, Kind: KindNewWork, Key: digestKey,
				Args: map[string]any{"Count": count, "Link": "/work/applications"}})
			if err != nil {
				return made, err
			}
			id = &nid
			made++
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notify_digests (tenant_id, account_id, day, notification_id, made_at)
			VALUES (app_tenant_id(), $1, $2, $3, $4)`, d.Account, today, id, now); err != nil {
			return made, fmt.Errorf("notify: digest of %s: %w", d.Account, err)
		}
	}
	return made, nil
}

// DigestArgs makes a city's digests due (Digest).
type DigestArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (DigestArgs) Kind() string { return "notify.digest" }

// DigestWorker returns the worker of DigestArgs, in the job's transaction.
func (s *Service) DigestWorker() *tenant.Worker[DigestArgs] {
	return tenant.NewWorker(s.o.DB, func(ctx context.Context, tx pgx.Tx, _ *river.Job[DigestArgs]) error {
		_, err := s.digest(ctx, tx)
		return err
	})
}

// DigestAllArgs fans out one DigestArgs per active city; it runs every
// hour and carries no tenant itself (a city's digests are made in the
// first run after DigestHour).
type DigestAllArgs struct{}

// Kind implements river.JobArgs.
func (DigestAllArgs) Kind() string { return "notify.digest_all" }

// DigestAllWorker enqueues a city's digests for each active city.
type DigestAllWorker struct {
	river.WorkerDefaults[DigestAllArgs]
	DB *tenant.DB
}

// Work implements river.Worker.
func (w *DigestAllWorker) Work(ctx context.Context, _ *river.Job[DigestAllArgs]) error {
	return tenant.FanOut(ctx, w.DB, func(e tenant.Envelope) DigestArgs { return DigestArgs{Envelope: e} })
}

// PeriodicDigest is the digests' hourly job, for River's config.
func PeriodicDigest() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return DigestAllArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
