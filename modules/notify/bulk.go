package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/tenant"
)

// Announcement is the dispatcher's announcement to the city's residents who opted
// in to city news (a notice of KindNews in each one's inbox and out
// through the channels they chose, in the bulk lane): all of them, or a
// segment of them (segments.go).
type Announcement struct {
	// Key is the preview's key: a confirmed send has it as its id, so a
	// double submit sends once.
	Key     uuid.UUID
	TextUK  string
	TextEN  string // optional; empty: the Ukrainian text for everyone
	Segment Segment
}

// bulkTextMax is the longest announcement (a notice, not an article: the
// news page is for those).
const bulkTextMax = 1000

// Errors of the bulk form, naming the field.
var (
	ErrBulkTextUK = apperr.New(apperr.Invalid, "notify.error.bulk_text_uk")
	ErrBulkTextEN = apperr.New(apperr.Invalid, "notify.error.bulk_text_en")
)

// Check trims b's texts and says which field is wrong, if one is.
func (b *Announcement) Check() error {
	b.TextUK, b.TextEN = strings.TrimSpace(b.TextUK), strings.TrimSpace(b.TextEN)
	if b.TextUK == "" || len([]rune(b.TextUK)) > bulkTextMax {
		return ErrBulkTextUK
	}
	if len([]rune(b.TextEN)) > bulkTextMax {
		return ErrBulkTextEN
	}
	if b.Segment.Kind == "" {
		b.Segment.Kind = SegmentCity
	}
	return nil
}

// BulkAudience counts the residents who opted in to city news: whom a
// send to the whole city would reach now.
func (s *Service) BulkAudience(ctx context.Context) (int, error) {
	var n int
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		n, err = audience(ctx, tx, Segment{Kind: SegmentCity})
		return err
	})
	return n, err
}

// ErrBulkAuditOff: bulk sends are recorded, so they need the audit log.
var ErrBulkAuditOff = errors.New("notify: bulk sends need Options.Audit")

// SendBulk records the signed-in person's bulk send b, audited, with the
// job that posts it, in one transaction. It returns false when a send
// with b's key exists already (a double submit: nothing more is sent).
func (s *Service) SendBulk(ctx context.Context, b Announcement) (bool, error) {
	if err := b.Check(); err != nil {
		return false, err
	}
	if s.o.Audit == nil {
		return false, ErrBulkAuditOff
	}
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return false, errSignedOut
	}
	var sent bool
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := resolve(ctx, tx, &b.Segment); err != nil {
			return err
		}
		n, err := audience(ctx, tx, b.Segment)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO notify_bulk_sends (tenant_id, id, author_id, text_uk, text_en, recipients, segment, segment_ref, segment_name)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (tenant_id, id) DO NOTHING`, b.Key, sg.AccountID, b.TextUK, b.TextEN, n, b.Segment.Kind, b.Segment.Ref, b.Segment.Name)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		sent = true
		if _, err := s.o.Audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
			Action: "notify.bulk.send", ObjectType: "bulk_send", ObjectID: b.Key.String(),
			Details: map[string]any{"recipients": n, "text_uk": b.TextUK, "text_en": b.TextEN,
				"segment": b.Segment.Kind, "segment_ref": b.Segment.Ref, "segment_name": b.Segment.Name}}); err != nil {
			return err
		}
		env, err := tenant.EnvelopeFrom(ctx)
		if err != nil {
			return err
		}
		return s.o.Insert(ctx, tx, BulkArgs{Envelope: env, SendID: b.Key})
	})
	return sent, err
}

// BulkSend is a bulk send as the dispatcher's page lists it.
type BulkSend struct {
	ID         uuid.UUID
	TextUK     string
	Recipients int
	Posted     int
	CreatedAt  time.Time
	Done       bool
	Segment    Segment
}

// BulkSends are the city's latest bulk sends, newest first.
func (s *Service) BulkSends(ctx context.Context) ([]BulkSend, error) {
	var out []BulkSend
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, text_uk, recipients, posted, created_at, done_at IS NOT NULL, segment, segment_ref, segment_name
			FROM notify_bulk_sends ORDER BY created_at DESC LIMIT 20`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (BulkSend, error) {
			var b BulkSend
			return b, r.Scan(&b.ID, &b.TextUK, &b.Recipients, &b.Posted, &b.CreatedAt, &b.Done, &b.Segment.Kind, &b.Segment.Ref, &b.Segment.Name)
		})
		return err
	})
	return out, err
}

// BulkArgs posts a bulk send's notices. It runs in the bulk lane, so the
// fan-out itself never holds up an urgent notice either.
type BulkArgs struct {
	tenant.Envelope
	SendID uuid.UUID `json:"send_id"`
}

// Kind implements river.JobArgs.
func (BulkArgs) Kind() string { return "notify.bulk" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (BulkArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueBulk, MaxAttempts: MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// bulkBatch is how many notices one transaction of the fan-out posts.
const bulkBatch = 500

// BulkWorker returns the River worker of bulk sends.
func (s *Service) BulkWorker() river.Worker[BulkArgs] {
	return tenant.NewStepWorker(s.o.DB, s.fanOut, s.bulkDone)
}

// fanOut posts the send's notices batch by batch, each batch and the
// cursor past it in one transaction, until no recipient is left: a
// repeated job (after a crash) resumes after the last committed batch.
func (s *Service) fanOut(ctx context.Context, job *river.Job[BulkArgs]) (struct{}, error) {
	for {
		var n int
		err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			var err error
			n, err = s.postBatch(ctx, tx, job.Args.SendID)
			return err
		})
		if err != nil || n == 0 {
			return struct{}{}, err
		}
	}
}

// postBatch posts the next batch of a send, under the send's row lock (a
// duplicated job waits, then finds the cursor moved), and says how many
// it posted.
func (s *Service) postBatch(ctx context.Context, tx pgx.Tx, send uuid.UUID) (int, error) {
	var (
		textUK, textEN string
		cursor         *uuid.UUID
		done           bool
		seg            Segment
	)
	err := tx.QueryRow(ctx, `SELECT text_uk, text_en, cursor_id, done_at IS NOT NULL, segment, segment_ref FROM notify_bulk_sends WHERE id = $1 FOR UPDATE`, send).
		Scan(&textUK, &textEN, &cursor, &done, &seg.Kind, &seg.Ref)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && done {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	// The segment is taken as it is now, batch by batch: one who opted
	// out meanwhile is not written to.
	rows, err := tx.Query(ctx, `SELECT account_id FROM (`+audienceSQL+`) a
		WHERE ($4::uuid IS NULL OR account_id > $4) ORDER BY account_id LIMIT $5`, append(audienceArgs(seg), cursor, bulkBatch)...)
	if err != nil {
		return 0, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	args := map[string]any{"Text": textUK, "TextEN": textEN}
	for _, id := range ids {
		if _, err := s.Post(ctx, tx, Notice{Account: id, Kind: KindNews, Urgency: Bulk, Key: "notify.news", Args: args}); err != nil {
			return 0, fmt.Errorf("notify: bulk %s to %s: %w", send, id, err)
		}
	}
	_, err = tx.Exec(ctx, `UPDATE notify_bulk_sends SET cursor_id = $2, posted = posted + $3 WHERE id = $1`, send, ids[len(ids)-1], len(ids))
	return len(ids), err
}

// bulkDone marks the send posted, with the job's completion.
func (s *Service) bulkDone(ctx context.Context, tx pgx.Tx, job *river.Job[BulkArgs], _ struct{}) error {
	_, err := tx.Exec(ctx, `UPDATE notify_bulk_sends SET done_at = now() WHERE id = $1 AND done_at IS NULL`, job.Args.SendID)
	return err
}
