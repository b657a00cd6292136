package participation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/identity"
)

const petitionColumns = `id, author_id, author_name, title, body, status, refusal_reason, created_at, published_at,
	closes_at, threshold, signatures, reached_at, consider_by, answer, answered_at, district_signatures`

func scanPetition(r pgx.Row) (*Petition, error) {
	var p Petition
	err := r.Scan(&p.ID, &p.AuthorID, &p.AuthorName, &p.Title, &p.Body, &p.Status, &p.RefusalReason, &p.CreatedAt, &p.PublishedAt,
		&p.ClosesAt, &p.Threshold, &p.Signatures, &p.ReachedAt, &p.ConsiderBy, &p.Answer, &p.AnsweredAt, &p.byDistrict)
	return &p, err
}

// petitionTx reads petition id in tx, locked for update when lock is set.
func petitionTx(ctx context.Context, tx pgx.Tx, id uuid.UUID, lock bool) (*Petition, error) {
	q := `SELECT ` + petitionColumns + ` FROM petitions WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	p, err := scanPetition(tx.QueryRow(ctx, q, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("participation: petition %s: %w", id, err)
	}
	return p, nil
}

// listPetitions lists published petitions newest first, or with all every
// petition, those waiting for moderation or an answer first.
func listPetitions(ctx context.Context, tx pgx.Tx, all bool) ([]*Petition, error) {
	q := `SELECT ` + petitionColumns + ` FROM petitions WHERE published_at IS NOT NULL ORDER BY published_at DESC LIMIT 200`
	if all {
		q = `SELECT ` + petitionColumns + ` FROM petitions
			ORDER BY status = 'moderation' DESC, (status = 'collecting' AND reached_at IS NOT NULL) DESC, created_at DESC LIMIT 200`
	}
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("participation: petitions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Petition, error) { return scanPetition(r) })
	if err != nil {
		return nil, fmt.Errorf("participation: petitions: %w", err)
	}
	return out, nil
}

func unpublishedOf(ctx context.Context, tx pgx.Tx, author uuid.UUID) ([]*Petition, error) {
	rows, err := tx.Query(ctx, `SELECT `+petitionColumns+` FROM petitions WHERE author_id = $1 AND published_at IS NULL
		ORDER BY created_at DESC LIMIT 50`, author)
	if err != nil {
		return nil, fmt.Errorf("participation: own petitions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Petition, error) { return scanPetition(r) })
	if err != nil {
		return nil, fmt.Errorf("participation: own petitions: %w", err)
	}
	return out, nil
}

// insertPetition files a draft; a second insert of the same id (a double
// submit) by the same author changes nothing.
func insertPetition(ctx context.Context, tx pgx.Tx, id, author uuid.UUID, name, title, body string) error {
	_, err := tx.Exec(ctx, `INSERT INTO petitions (tenant_id, id, author_id, author_name, title, body)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5) ON CONFLICT (tenant_id, id) DO NOTHING`, id, author, name, title, body)
	if err != nil {
		return fmt.Errorf("participation: draft a petition: %w", err)
	}
	var owner uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT author_id FROM petitions WHERE id = $1`, id).Scan(&owner); err != nil {
		return fmt.Errorf("participation: draft a petition: %w", err)
	}
	if owner != author {
		return ErrNotFound // someone else's id: never theirs to see
	}
	return nil
}

func publishPetition(ctx context.Context, tx pgx.Tx, id, by uuid.UUID, now, closes time.Time, threshold int) error {
	_, err := tx.Exec(ctx, `UPDATE petitions SET status = 'collecting', moderated_at = $2, moderated_by = $3, published_at = $2,
		closes_at = $4, threshold = $5 WHERE id = $1`, id, now, by, closes, threshold)
	if err != nil {
		return fmt.Errorf("participation: publish petition %s: %w", id, err)
	}
	return nil
}

func refusePetition(ctx context.Context, tx pgx.Tx, id, by uuid.UUID, now time.Time, reason string) error {
	_, err := tx.Exec(ctx, `UPDATE petitions SET status = 'refused', moderated_at = $2, moderated_by = $3, refusal_reason = $4
		WHERE id = $1`, id, now, by, reason)
	if err != nil {
		return fmt.Errorf("participation: refuse petition %s: %w", id, err)
	}
	return nil
}

// insertSignature adds the person's signature; false when they had signed
// already (the primary key said so, not a read before).
func insertSignature(ctx context.Context, tx pgx.Tx, id uuid.UUID, sig signing, now time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO petition_signatures (tenant_id, petition_id, rnokpp, account_id, full_name, signed_at, katottg,
			signed_content, signature)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, petition_id, rnokpp) DO NOTHING`,
		id, sig.rnokpp, sig.account, sig.name, now, sig.place, sig.content, sig.cms)
	if err != nil {
		return false, fmt.Errorf("participation: sign petition %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// countSignature adds one to the petition's count and to its count of
// place (a district's code, "" unknown), last in the signing transaction,
// and returns the new count. Both are in the petition's row: one lock.
func countSignature(ctx context.Context, tx pgx.Tx, id uuid.UUID, place string) (int, error) {
	var n int
	if err := tx.QueryRow(ctx, `UPDATE petitions SET signatures = signatures + 1,
			district_signatures = jsonb_set(district_signatures, ARRAY[$2::text], to_jsonb(coalesce((district_signatures->>$2)::int, 0) + 1))
		WHERE id = $1 RETURNING signatures`, id, place).Scan(&n); err != nil {
		return 0, fmt.Errorf("participation: count a signature of %s: %w", id, err)
	}
	return n, nil
}

func markReached(ctx context.Context, tx pgx.Tx, id uuid.UUID, now, due time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE petitions SET reached_at = $2, consider_by = $3 WHERE id = $1 AND reached_at IS NULL`, id, now, due)
	if err != nil {
		return fmt.Errorf("participation: petition %s reached: %w", id, err)
	}
	return nil
}

func answerPetition(ctx context.Context, tx pgx.Tx, id, by uuid.UUID, now time.Time, text string) error {
	_, err := tx.Exec(ctx, `UPDATE petitions SET status = 'answered', answer = $4, answered_at = $2, answered_by = $3 WHERE id = $1`, id, now, by, text)
	if err != nil {
		return fmt.Errorf("participation: answer petition %s: %w", id, err)
	}
	return nil
}

func hasSigned(ctx context.Context, tx pgx.Tx, id uuid.UUID, rnokpp string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM petition_signatures WHERE petition_id = $1 AND rnokpp = $2)`, id, rnokpp).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("participation: signed %s: %w", id, err)
	}
	return ok, nil
}

func signers(ctx context.Context, tx pgx.Tx, id uuid.UUID, limit, offset int) ([]Signer, error) {
	rows, err := tx.Query(ctx, `SELECT full_name, signed_at FROM petition_signatures WHERE petition_id = $1
		ORDER BY signed_at, rnokpp LIMIT $2 OFFSET $3`, id, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("participation: signers of %s: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Signer, error) {
		var s Signer
		return s, r.Scan(&s.FullName, &s.SignedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("participation: signers of %s: %w", id, err)
	}
	return out, nil
}

func signerAccounts(ctx context.Context, tx pgx.Tx, id uuid.UUID) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT account_id FROM petition_signatures WHERE petition_id = $1 ORDER BY signed_at`, id)
	if err != nil {
		return nil, fmt.Errorf("participation: signers of %s: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("participation: signers of %s: %w", id, err)
	}
	return out, nil
}

// rnokppOf is the signed-in person's РНОКПП: the session's, or for a
// session made before it was kept there, the account's.
func rnokppOf(ctx context.Context, tx pgx.Tx, sg *identity.Signed) (string, error) {
	if sg.RNOKPP != "" {
		return sg.RNOKPP, nil
	}
	var r string
	if err := tx.QueryRow(ctx, `SELECT rnokpp FROM accounts WHERE id = $1`, sg.AccountID).Scan(&r); err != nil {
		return "", fmt.Errorf("participation: the signed-in person's РНОКПП: %w", err)
	}
	return r, nil
}
