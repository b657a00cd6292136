package applications

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
)

// A resident's rating of an application's result (issue 19; seed 001:
// ratings per service and provider, passed on automatically; DOMAIN.md):
// once the application is decided, on Diia's four-level scale the centres
// use for a visit (4 чудово, 3 добре, 2 прийнятно, 1 жахливо), with
// reasons and free text, once. Monitoring's rollup counts them per
// service and provider (migration 0041), so they reach the dashboards and
// the national exchange beside the centres' ratings.

// ResultReasons are what a result's rating may name (migration 0041
// checks the set).
var ResultReasons = []string{"speed", "result", "information", "competence", "politeness"}

// ResultScores are the scale's values as the form offers them, best first.
var ResultScores = []int{4, 3, 2, 1}

// Errors of rating a result.
var (
	ErrRatingScore   = apperr.New(apperr.Invalid, "app.rating_error_score")
	ErrRatingReasons = apperr.New(apperr.Invalid, "app.rating_error_reasons")
	ErrRatingLong    = apperr.New(apperr.Invalid, "app.rating_error_too_long")
	ErrNotDecided    = apperr.New(apperr.Conflict, "app.rating_error_not_decided")
)

// ResultRating is a result's rating.
type ResultRating struct {
	Score     int
	Reasons   []string
	Comment   string
	CreatedAt time.Time
}

// Rateable says whether a's result may be rated: it was decided.
func (a *Application) Rateable() bool { return a.Decision != "" && a.DecidedAt != nil }

// RateResult records o's rating of the result of their application id;
// rating it again changes nothing.
func (s *Service) RateResult(ctx context.Context, o Owner, id uuid.UUID, score int, reasons []string, comment string) error {
	if !slices.Contains(ResultScores, score) {
		return ErrRatingScore
	}
	for _, r := range reasons {
		if !slices.Contains(ResultReasons, r) {
			return ErrRatingReasons
		}
	}
	comment = strings.TrimSpace(comment)
	if len([]rune(comment)) > 2000 {
		return ErrRatingLong
	}
	reasons = append([]string{}, reasons...) // never nil: the column is NOT NULL
	slices.Sort(reasons)
	reasons = slices.Compact(reasons)
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := ownedApplication(ctx, tx, o, id, false)
		if err != nil {
			return err
		}
		if !a.Rateable() {
			return ErrNotDecided
		}
		_, err = tx.Exec(ctx, `INSERT INTO result_ratings (tenant_id, application_id, service_id, provider_id, score, reasons, comment, created_at)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, application_id) DO NOTHING`,
			a.ID, a.ServiceID, a.ProviderID, score, reasons, comment, s.now())
		if err != nil {
			return fmt.Errorf("applications: rate result: %w", err)
		}
		return nil
	})
}

// resultRating is the rating of application id; nil when not rated.
func resultRating(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*ResultRating, error) {
	var r ResultRating
	err := tx.QueryRow(ctx, `SELECT score, reasons, comment, created_at FROM result_ratings WHERE application_id = $1`, id).
		Scan(&r.Score, &r.Reasons, &r.Comment, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("applications: result rating: %w", err)
	}
	return &r, nil
}
