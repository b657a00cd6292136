package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"hromada/ukid"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

const accountColumns = `id, rnokpp, family_name, given_name, middle_name, full_name, email, phone, created_at, updated_at, last_login_at`

func scanAccount(row pgx.Row) (*Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.RNOKPP, &a.FamilyName, &a.GivenName, &a.MiddleName, &a.FullName, &a.Email, &a.Phone, &a.CreatedAt, &a.UpdatedAt, &a.LastLoginAt)
	return &a, err
}

// upsertAccount finds the person's account by РНОКПП, creating it on first
// sign-in; either way the profile from the claims replaces what was stored
// (a re-login updates names, e-mail and phone).
func upsertAccount(ctx context.Context, tx pgx.Tx, p Profile) (*Account, error) {
	if !ukid.ValidRNOKPP(p.RNOKPP) {
		return nil, ErrNoRNOKPP
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	a, err := scanAccount(tx.QueryRow(ctx, `
		INSERT INTO accounts (tenant_id, id, rnokpp, family_name, given_name, middle_name, full_name, email, phone, last_login_at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, now())
		ON CONFLICT (tenant_id, rnokpp) DO UPDATE SET
		    family_name = excluded.family_name, given_name = excluded.given_name, middle_name = excluded.middle_name,
		    full_name = excluded.full_name, email = excluded.email, phone = excluded.phone,
		    updated_at = now(), last_login_at = now()
		RETURNING `+accountColumns,
		id, p.RNOKPP, p.FamilyName, p.GivenName, p.MiddleName, p.FullName, p.Email, p.Phone))
	if err != nil {
		return nil, fmt.Errorf("identity: upsert account: %w", err)
	}
	return a, nil
}

// ErrNoAccount is an account id with no account in this city.
var ErrNoAccount = errors.New("identity: no such account")

// accountByID returns the tenant's account id.
func accountByID(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Account, error) {
	a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoAccount
	}
	return a, err
}

// AccountTx returns the tenant's account id, read in the caller's
// transaction, so that a module needing the whole profile (applications'
// autofill of a new draft) reads it in its own transaction instead of
// opening another. ErrNoAccount when the city has no such account.
func AccountTx(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Account, error) {
	return accountByID(ctx, tx, id)
}

// QueueAccount queues on b (a caller's pipelined reads, in its
// transaction) the read AccountTx does; once b is sent, *into is the
// account, and a missing one is the batch's ErrNoAccount.
func QueueAccount(b *pgx.Batch, id uuid.UUID, into **Account) {
	b.Queue(`SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id).QueryRow(func(row pgx.Row) error {
		a, err := scanAccount(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNoAccount
		}
		*into = a
		return err
	})
}

// EnsureAccount returns the account with rnokpp, creating it with p if
// there is none (demo data, officials registered before their first
// sign-in). It does not overwrite an existing profile.
func EnsureAccount(ctx context.Context, tx pgx.Tx, p Profile) (*Account, error) {
	if !ukid.ValidRNOKPP(p.RNOKPP) {
		return nil, ErrNoRNOKPP
	}
	a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE rnokpp = $1`, p.RNOKPP))
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	return scanAccount(tx.QueryRow(ctx, `
		INSERT INTO accounts (tenant_id, id, rnokpp, family_name, given_name, middle_name, full_name, email, phone)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8)
		RETURNING `+accountColumns,
		id, p.RNOKPP, p.FamilyName, p.GivenName, p.MiddleName, p.FullName, p.Email, p.Phone))
}

// Register returns the account with rnokpp, creating it under fullName if
// the person has never signed in (an official whose access is granted
// before their first sign-in). Their names are refreshed at sign-in.
func Register(ctx context.Context, tx pgx.Tx, rnokpp, fullName string) (uuid.UUID, error) {
	rnokpp, fullName = strings.TrimSpace(rnokpp), strings.Join(strings.Fields(fullName), " ")
	if !ukid.ValidRNOKPP(rnokpp) {
		return uuid.Nil, ErrInvalidRNOKPP
	}
	if fullName == "" {
		return uuid.Nil, ErrNameRequired
	}
	parts := strings.Fields(fullName)
	p := Profile{RNOKPP: rnokpp, FullName: fullName, FamilyName: parts[0]}
	if len(parts) > 1 {
		p.GivenName = parts[1]
	}
	if len(parts) > 2 {
		p.MiddleName = strings.Join(parts[2:], " ")
	}
	a, err := EnsureAccount(ctx, tx, p)
	if err != nil {
		return uuid.Nil, err
	}
	return a.ID, nil
}
