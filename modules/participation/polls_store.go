package participation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

const pollColumns = `id, provider_id, title, question, multiple, free_answer, area, min_age, changeable, live_results, status, closes_at,
	published_at, closed_at, (SELECT count(*) FROM poll_ballots b WHERE b.poll_id = polls.id),
	coalesce((SELECT name FROM katottg WHERE code = polls.area), '')`

func scanPoll(r pgx.Row) (*Poll, error) {
	var p Poll
	err := r.Scan(&p.ID, &p.Provider, &p.Title, &p.Question, &p.Multiple, &p.FreeAnswer, &p.Area, &p.MinAge, &p.Changeable, &p.LiveResults,
		&p.Status, &p.ClosesAt, &p.PublishedAt, &p.ClosedAt, &p.Ballots, &p.AreaName)
	return &p, err
}

// pollTx reads poll id with its options in tx; lock is "", "FOR UPDATE"
// or "FOR SHARE" (of the poll's row).
func pollTx(ctx context.Context, tx pgx.Tx, id uuid.UUID, lock string) (*Poll, error) {
	if lock != "" {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM polls WHERE id = $1 `+lock, id); err != nil {
			return nil, fmt.Errorf("participation: lock poll %s: %w", id, err)
		}
	}
	p, err := scanPoll(tx.QueryRow(ctx, `SELECT `+pollColumns+` FROM polls WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("participation: poll %s: %w", id, err)
	}
	rows, err := tx.Query(ctx, `SELECT position, label FROM poll_options WHERE poll_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("participation: poll %s options: %w", id, err)
	}
	p.Options, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Option, error) {
		var o Option
		return o, r.Scan(&o.Position, &o.Label)
	})
	if err != nil {
		return nil, fmt.Errorf("participation: poll %s options: %w", id, err)
	}
	return p, nil
}

func listPolls(ctx context.Context, tx pgx.Tx, all bool, provider *uuid.UUID) ([]*Poll, error) {
	rows, err := tx.Query(ctx, `SELECT `+pollColumns+` FROM polls WHERE ($1 OR status <> 'draft') AND ($2::uuid IS NULL OR provider_id = $2)
		ORDER BY coalesce(published_at, created_at) DESC LIMIT 200`, all, provider)
	if err != nil {
		return nil, fmt.Errorf("participation: polls: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Poll, error) { return scanPoll(r) })
	if err != nil {
		return nil, fmt.Errorf("participation: polls: %w", err)
	}
	return out, nil
}

func insertPoll(ctx context.Context, tx pgx.Tx, p *Poll, by uuid.UUID) error {
	_, err := tx.Exec(ctx, `INSERT INTO polls (tenant_id, id, title, question, multiple, free_answer, area, min_age, changeable,
		live_results, closes_at, created_by, provider_id) VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		p.ID, p.Title, p.Question, p.Multiple, p.FreeAnswer, p.Area, p.MinAge, p.Changeable, p.LiveResults, p.ClosesAt, by, p.Provider)
	if err != nil {
		return fmt.Errorf("participation: create poll: %w", err)
	}
	for _, o := range p.Options {
		if _, err := tx.Exec(ctx, `INSERT INTO poll_options (tenant_id, poll_id, position, label) VALUES (app_tenant_id(), $1, $2, $3)`,
			p.ID, o.Position, o.Label); err != nil {
			return fmt.Errorf("participation: create poll: %w", err)
		}
	}
	return nil
}

func setPollStatus(ctx context.Context, tx pgx.Tx, id uuid.UUID, status string, now time.Time) error {
	col := "published_at"
	if status == PollClosed {
		col = "closed_at"
	}
	if _, err := tx.Exec(ctx, `UPDATE polls SET status = $2, `+col+` = $3 WHERE id = $1`, id, status, now); err != nil {
		return fmt.Errorf("participation: poll %s %s: %w", id, status, err)
	}
	return nil
}

// pollProvider is the provider of poll id, for the guard's scope (no
// provider: uuid.Nil, a poll of the city).
func pollProvider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p *uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT provider_id FROM polls WHERE id = $1`, id).Scan(&p); err != nil || p == nil {
		return uuid.Nil, err
	}
	return *p, nil
}

// insertBallot adds the person's ballot with its choices; false when they
// had one already (the primary key said so).
func insertBallot(ctx context.Context, tx pgx.Tx, id uuid.UUID, rnokpp, channel string, by uuid.UUID, place, free string, choices []int) (bool, error) {
	account, officer := &by, (*uuid.UUID)(nil)
	if channel == Paper {
		account, officer = nil, &by
	}
	tag, err := tx.Exec(ctx, `INSERT INTO poll_ballots (tenant_id, poll_id, rnokpp, channel, account_id, officer_id, katottg, free_answer)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, poll_id, rnokpp) DO NOTHING`,
		id, rnokpp, channel, account, officer, place, free)
	if err != nil {
		return false, fmt.Errorf("participation: ballot in %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	return true, insertChoices(ctx, tx, id, rnokpp, choices)
}

func insertChoices(ctx context.Context, tx pgx.Tx, id uuid.UUID, rnokpp string, choices []int) error {
	_, err := tx.Exec(ctx, `INSERT INTO poll_choices (tenant_id, poll_id, rnokpp, position)
		SELECT DISTINCT app_tenant_id(), $1::uuid, $2, c FROM unnest($3::int[]) AS c`, id, rnokpp, choices)
	if err != nil {
		return fmt.Errorf("participation: choices in %s: %w", id, err)
	}
	return nil
}

func changeBallot(ctx context.Context, tx pgx.Tx, id uuid.UUID, rnokpp, free string, choices []int, now time.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM poll_choices WHERE poll_id = $1 AND rnokpp = $2`, id, rnokpp); err != nil {
		return fmt.Errorf("participation: change ballot in %s: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE poll_ballots SET free_answer = $3, changed_at = $4 WHERE poll_id = $1 AND rnokpp = $2`,
		id, rnokpp, free, now); err != nil {
		return fmt.Errorf("participation: change ballot in %s: %w", id, err)
	}
	return insertChoices(ctx, tx, id, rnokpp, choices)
}

func ballotOf(ctx context.Context, tx pgx.Tx, id uuid.UUID, rnokpp string) (*Ballot, error) {
	var b Ballot
	err := tx.QueryRow(ctx, `SELECT channel, free_answer, coalesce((SELECT array_agg(position ORDER BY position) FROM poll_choices c
		WHERE c.poll_id = b.poll_id AND c.rnokpp = b.rnokpp), '{}') FROM poll_ballots b WHERE poll_id = $1 AND rnokpp = $2`, id, rnokpp).
		Scan(&b.Channel, &b.Free, &b.Choices)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("participation: ballot in %s: %w", id, err)
	}
	return &b, nil
}

// within reports whether the codifier's unit code is area or lies in it.
func within(ctx context.Context, tx pgx.Tx, code, area string) (bool, error) {
	var in bool
	err := tx.QueryRow(ctx, `WITH RECURSIVE up AS (
			SELECT code, parent FROM katottg WHERE code = $1
			UNION SELECT k.code, k.parent FROM katottg k JOIN up ON k.code = up.parent)
		SELECT $1 = $2 OR EXISTS (SELECT 1 FROM up WHERE code = $2)`, code, area).Scan(&in)
	if err != nil {
		return false, fmt.Errorf("participation: is %s in %s: %w", code, area, err)
	}
	return in, nil
}

// cityAreas are the city's unit and its districts, from the codifier.
func cityAreas(ctx context.Context, tx pgx.Tx, city string) ([]Area, error) {
	rows, err := tx.Query(ctx, `SELECT code, name, category = 'B' FROM katottg WHERE code = $1 OR (parent = $1 AND category = 'B')
		ORDER BY category = 'B', name`, city)
	if err != nil {
		return nil, fmt.Errorf("participation: the city's areas: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Area, error) {
		var a Area
		return a, r.Scan(&a.Code, &a.Name, &a.District)
	})
	if err != nil {
		return nil, fmt.Errorf("participation: the city's areas: %w", err)
	}
	return out, nil
}

// results counts p's ballots per option and channel, and lists the free
// answers.
func results(ctx context.Context, tx pgx.Tx, p *Poll) (*Results, error) {
	res := &Results{Poll: p}
	err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE channel = 'online'), count(*) FILTER (WHERE channel = 'paper')
		FROM poll_ballots WHERE poll_id = $1`, p.ID).Scan(&res.Ballots, &res.Online, &res.Paper)
	if err != nil {
		return nil, fmt.Errorf("participation: results of %s: %w", p.ID, err)
	}
	counts := map[int]int{}
	rows, err := tx.Query(ctx, `SELECT position, count(*) FROM poll_choices WHERE poll_id = $1 GROUP BY position`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("participation: results of %s: %w", p.ID, err)
	}
	var pos, n int
	if _, err := pgx.ForEachRow(rows, []any{&pos, &n}, func() error { counts[pos] = n; return nil }); err != nil {
		return nil, fmt.Errorf("participation: results of %s: %w", p.ID, err)
	}
	for _, o := range p.Options {
		r := Result{Option: o, Votes: counts[o.Position]}
		if res.Ballots > 0 {
			r.Percent = r.Votes * 100 / res.Ballots
		}
		res.Options = append(res.Options, r)
	}
	rows, err = tx.Query(ctx, `SELECT free_answer FROM poll_ballots WHERE poll_id = $1 AND free_answer <> '' ORDER BY cast_at LIMIT 500`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("participation: results of %s: %w", p.ID, err)
	}
	if res.Free, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, fmt.Errorf("participation: results of %s: %w", p.ID, err)
	}
	return res, nil
}
