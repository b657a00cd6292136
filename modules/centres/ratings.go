package centres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/tenant"
)

// Ratings on Diia's four-level scale (DOMAIN.md; seed 001: ratings per
// service, provider and centre): after a visit the resident rates it once,
// with reasons and free text; the provider answers publicly; the centre's
// page shows the averages per centre and per service with the answered
// comments.

// The scale, best first.
const (
	Excellent = 4 // чудово
	Good      = 3 // добре
	Fair      = 2 // прийнятно
	Awful     = 1 // жахливо
)

// Scores are the scale's values as the form offers them, best first.
var Scores = []int{Excellent, Good, Fair, Awful}

// Reasons are what a rating may name (migration 0023 checks the set).
var Reasons = []string{"waiting", "politeness", "competence", "speed", "premises", "information"}

// maxText is the longest comment or answer.
const maxText = 2000

// Errors of rating and answering.
var (
	ErrScore      = apperr.New(apperr.Invalid, "centres.error_score")
	ErrTooLong    = apperr.New(apperr.Invalid, "centres.error_too_long")
	ErrNotServed  = apperr.New(apperr.Conflict, "centres.error_not_served")
	ErrNoAnswer   = apperr.New(apperr.Invalid, "centres.error_answer")
	ErrBadReasons = apperr.New(apperr.Invalid, "centres.error_reasons")
)

// Rating is one rated visit.
type Rating struct {
	VisitID     uuid.UUID
	ServiceName tenant.Text
	Ticket      string
	Score       int
	Reasons     []string
	Comment     string
	CreatedAt   time.Time
	Answer      string
	AnsweredAt  *time.Time
}

// Rate records the signed-in person's rating of their booking with code,
// once it was served; rating it again changes nothing.
func (s *Service) Rate(ctx context.Context, code string, score int, reasons []string, comment string) error {
	if !slices.Contains(Scores, score) {
		return ErrScore
	}
	for _, r := range reasons {
		if !slices.Contains(Reasons, r) {
			return ErrBadReasons
		}
	}
	comment = strings.TrimSpace(comment)
	if len([]rune(comment)) > maxText {
		return ErrTooLong
	}
	sg, err := signed(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		v, err := ownBooking(ctx, tx, sg.AccountID, code, true)
		if err != nil {
			return err
		}
		if v.Status != Served {
			return ErrNotServed
		}
		reasons = append([]string{}, reasons...) // never nil: the column is NOT NULL
		slices.Sort(reasons)
		_, err = tx.Exec(ctx, `INSERT INTO visit_ratings (tenant_id, visit_id, centre_id, service_id, score, reasons, comment, created_at)
			SELECT app_tenant_id(), id, centre_id, service_id, $2, $3, $4, $5 FROM visits WHERE id = $1
			ON CONFLICT (tenant_id, visit_id) DO NOTHING`, v.ID, score, slices.Compact(reasons), comment, s.now())
		if err != nil {
			return fmt.Errorf("centres: rate: %w", err)
		}
		return nil
	})
}

const ratingColumns = `r.visit_id, s.content->'name', v.ticket, r.score, r.reasons, r.comment, r.created_at, r.answer, r.answered_at
	FROM visit_ratings r JOIN visits v ON v.tenant_id = r.tenant_id AND v.id = r.visit_id
	JOIN services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id `

func ratings(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]Rating, error) {
	rows, err := tx.Query(ctx, `SELECT `+ratingColumns+where, args...)
	if err != nil {
		return nil, fmt.Errorf("centres: ratings: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Rating])
	if err != nil {
		return nil, fmt.Errorf("centres: ratings: %w", err)
	}
	return out, nil
}

// RatingOf is the signed-in person's rating of their booking with code;
// nil when not rated.
func (s *Service) RatingOf(ctx context.Context, code string) (*Rating, error) {
	sg, err := signed(ctx)
	if err != nil {
		return nil, err
	}
	var out *Rating
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rs, err := ratings(ctx, tx, `WHERE v.code = $1 AND v.account_id = $2`, code, sg.AccountID)
		if err == nil && len(rs) > 0 {
			out = &rs[0]
		}
		return err
	})
	return out, err
}

// Summary is a centre's ratings as its public page shows them.
type Summary struct {
	Centre   *catalog.Centre
	Count    int
	Average  float64   // 1–4; 0 when none
	Levels   [5]int    // how many of each score (index = score)
	Services []Average // per service, most rated first
	Latest   []Rating  // the latest with a comment or an answer
}

// Average is a service's average at the centre.
type Average struct {
	Name    tenant.Text
	Count   int
	Average float64
}

// Summary reads the centre's ratings.
func (s *Service) Summary(ctx context.Context, code string) (*Summary, error) {
	var sum Summary
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		c, _, err := catalog.CentreByCode(ctx, tx, code)
		if errors.Is(err, catalog.ErrNoService) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		sum.Centre = c
		cid, err := centreID(ctx, tx, code)
		if err != nil {
			return err
		}
		var total int
		rows, err := tx.Query(ctx, `SELECT score, count(*) FROM visit_ratings WHERE centre_id = $1 GROUP BY score`, cid)
		if err != nil {
			return fmt.Errorf("centres: summary: %w", err)
		}
		var score, n int
		if _, err := pgx.ForEachRow(rows, []any{&score, &n}, func() error {
			sum.Levels[score] = n
			sum.Count += n
			total += score * n
			return nil
		}); err != nil {
			return fmt.Errorf("centres: summary: %w", err)
		}
		if sum.Count > 0 {
			sum.Average = float64(total) / float64(sum.Count)
		}
		rows, err = tx.Query(ctx, `SELECT s.content->'name', count(*), avg(r.score)::float8 FROM visit_ratings r
			JOIN services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id
			WHERE r.centre_id = $1 GROUP BY s.id, s.content->'name' ORDER BY count(*) DESC, s.id LIMIT 20`, cid)
		if err != nil {
			return fmt.Errorf("centres: summary: %w", err)
		}
		if sum.Services, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Average]); err != nil {
			return fmt.Errorf("centres: summary: %w", err)
		}
		sum.Latest, err = ratings(ctx, tx, `WHERE r.centre_id = $1 AND (r.comment <> '' OR r.answer <> '') ORDER BY r.created_at DESC LIMIT 20`, cid)
		return err
	})
	return &sum, err
}

// Unanswered are the centre's ratings for its provider to answer, the
// unanswered first.
func (s *Service) Unanswered(ctx context.Context, code string) (*catalog.Centre, []Rating, error) {
	var (
		c  *catalog.Centre
		rs []Rating
	)
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if c, _, err = catalog.CentreByCode(ctx, tx, code); errors.Is(err, catalog.ErrNoService) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		rs, err = ratings(ctx, tx, `JOIN centres c ON c.tenant_id = r.tenant_id AND c.id = r.centre_id
			WHERE c.code = $1 ORDER BY (r.answer = '') DESC, r.created_at DESC LIMIT 50`, code)
		return err
	})
	return c, rs, err
}

// Answer records the provider's public answer to the rating of visit at
// the centre with code, by the signed-in official; answering again
// replaces the answer.
func (s *Service) Answer(ctx context.Context, code string, visit uuid.UUID, answer string) error {
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return ErrNoAnswer
	}
	if len([]rune(answer)) > maxText {
		return ErrTooLong
	}
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotAllowed
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE visit_ratings r SET answer = $3, answered_at = $4, answered_by = $5
			FROM centres c WHERE c.tenant_id = r.tenant_id AND c.id = r.centre_id AND c.code = $1 AND r.visit_id = $2`,
			code, visit, answer, s.now(), sg.AccountID)
		if err != nil {
			return fmt.Errorf("centres: answer: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// Level is how many ratings gave one score.
type Level struct {
	Score, Count int
}

// Distribution is how many gave each score, best first.
func (s *Summary) Distribution() []Level {
	out := make([]Level, 0, len(Scores))
	for _, sc := range Scores {
		out = append(out, Level{Score: sc, Count: s.Levels[sc]})
	}
	return out
}
