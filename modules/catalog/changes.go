package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
)

// Providers, centres (ЦНАП) and life situations change the way services
// do (seed 003 §7.3, §7.5): a change is proposed as a revision of the whole
// entity (or of its retirement) and the administrator publishes or returns
// it; the public sees only what was published. A new entity has no row
// until its first change is published.

// Change is a proposed change of a provider, a centre or a life situation.
type Change struct {
	ID     uuid.UUID
	Kind   string // KindProvider, KindCentre or KindLifeSituation
	Code   string
	Retire bool // take it off the portal (kept for the history)
	Entity
	Decision
}

// Entity is what a change proposes: the one of Provider, Centre and
// LifeSituation its kind names, and for a centre or a life situation the
// codes of its services (the services available at the centre, those of
// the situation).
type Entity struct {
	Provider      *Provider      `json:"provider,omitempty"`
	Centre        *Centre        `json:"centre,omitempty"`
	LifeSituation *LifeSituation `json:"life_situation,omitempty"`
	Services      []string       `json:"services,omitempty"`
}

// Name is the entity's name, whatever its kind.
func (e *Entity) Name() Text {
	switch {
	case e.Provider != nil:
		return e.Provider.Name
	case e.Centre != nil:
		return e.Centre.Name
	case e.LifeSituation != nil:
		return e.LifeSituation.Name
	}
	return Text{}
}

// Errors of the register's changes.
var (
	ErrNoEntity         = apperr.New(apperr.NotFound, "error.register_not_found")
	ErrProviderServices = apperr.New(apperr.Conflict, "error.register_provider_services")
	// ErrProviderStaff refuses retiring a provider whose officials still
	// hold access there: a retired provider's grants would outlive it.
	ErrProviderStaff = apperr.New(apperr.Conflict, "error.register_provider_staff")
)

// entityTables are the tables of the kinds a Change may have.
var entityTables = map[string]string{KindProvider: "providers", KindCentre: "centres", KindLifeSituation: "life_situations"}

// entityExists reports whether an entity of kind with code has a row,
// retired or not.
func entityExists(ctx context.Context, tx pgx.Tx, kind, code string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM `+entityTables[kind]+` WHERE code = $1)`, code).Scan(&ok)
	return ok, err
}

// proposeChange saves ch as a pending change by author, with ch.BasisDate,
// after checking it (ErrRevisionInvalid with the problems by field). isNew
// says a new entity is proposed (its code must be free); otherwise one with
// ch.Code must exist (ErrNoEntity). The same proposal posted twice by the
// same person while the first is pending is that first one (again).
func proposeChange(ctx context.Context, tx pgx.Tx, ch *Change, isNew bool, author *uuid.UUID, now time.Time) (errs FieldErrors, again bool, err error) {
	if _, ok := entityTables[ch.Kind]; !ok {
		return nil, false, fmt.Errorf("catalog: propose a change of an unknown kind %q", ch.Kind)
	}
	exists, err := entityExists(ctx, tx, ch.Kind, ch.Code)
	if err != nil {
		return nil, false, err
	}
	if !isNew && !exists {
		return nil, false, ErrNoEntity
	}
	errs = FieldErrors{}
	switch {
	case isNew && !codeRE.MatchString(ch.Code):
		errs["code"] = fe("error.catalog_code")
	case isNew && exists:
		errs["code"] = fe("error.catalog_code_taken")
	}
	if !ch.Retire {
		maps.Copy(errs, ch.validate())
		more, err := checkReferences(ctx, tx, ch)
		if err != nil {
			return nil, false, err
		}
		maps.Copy(errs, more)
	} else if ch.Kind == KindProvider {
		inUse, err := providerInUse(ctx, tx, ch.Code)
		if err != nil {
			return nil, false, err
		}
		if inUse != nil {
			errs["retire"] = inUse
		}
	}
	maps.Copy(errs, basisProblem(ch.BasisDate, now))
	if len(errs) > 0 {
		return errs, false, ErrRevisionInvalid
	}
	content := jsonOf(ch.Entity)
	// A double submit: the same person's same proposal, still pending.
	same, err := scanChange(tx.QueryRow(ctx, `SELECT `+changeColumns+` FROM register_revisions r
		WHERE r.kind = $1 AND r.code = $2 AND r.status = 'pending' AND r.submitted_by IS NOT DISTINCT FROM $3
		  AND r.content = $4::jsonb AND r.retire = $5 AND r.basis_date = $6
		ORDER BY r.number DESC LIMIT 1`, ch.Kind, ch.Code, author, content, ch.Retire, ch.BasisDate))
	if err == nil {
		*ch = *same
		return nil, true, setDue(ctx, tx, []*Decision{&ch.Decision})
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, false, err
	}
	if ch.ID, err = uuid.NewV7(); err != nil {
		return nil, false, err
	}
	ch.Status, ch.SubmittedBy = "pending", author
	err = tx.QueryRow(ctx, `
		INSERT INTO register_revisions (tenant_id, id, kind, code, number, content, retire, basis_date, submitted_by)
		VALUES (app_tenant_id(), $1, $2, $3,
		    (SELECT coalesce(max(number), 0) + 1 FROM register_revisions WHERE kind = $2 AND code = $3), $4, $5, $6, $7)
		RETURNING number, submitted_at`, ch.ID, ch.Kind, ch.Code, content, ch.Retire, ch.BasisDate, author).Scan(&ch.Number, &ch.SubmittedAt)
	if err != nil {
		return nil, false, fmt.Errorf("catalog: propose a change of %s %s: %w", ch.Kind, ch.Code, err)
	}
	return nil, false, setDue(ctx, tx, []*Decision{&ch.Decision})
}

// checkReferences checks what a change names beyond itself: its services
// are published ones, a branch's or a remote workplace's parent is a
// centre.
func checkReferences(ctx context.Context, tx pgx.Tx, ch *Change) (FieldErrors, error) {
	errs := FieldErrors{}
	if len(ch.Services) > 0 {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM services WHERE code = ANY($1) AND content IS NOT NULL`, ch.Services).Scan(&n); err != nil {
			return nil, err
		}
		if n != len(ch.Services) {
			errs["services"] = fe("error.register_service_unknown")
		}
	}
	if c := ch.Centre; c != nil && c.Kind != "centre" && c.ParentCode != "" {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM centres WHERE code = $1 AND kind = 'centre' AND retired_at IS NULL)`,
			c.ParentCode).Scan(&ok); err != nil {
			return nil, err
		}
		if !ok || c.ParentCode == ch.Code {
			errs["parent_code"] = fe("error.register_parent")
		}
	}
	return errs, nil
}

const changeColumns = `r.id, r.kind, r.code, r.retire, r.content, ` + decisionColumns

func scanChange(row pgx.Row) (*Change, error) {
	var (
		ch  Change
		raw []byte
	)
	if err := row.Scan(append([]any{&ch.ID, &ch.Kind, &ch.Code, &ch.Retire, &raw}, ch.targets()...)...); err != nil {
		return nil, err
	}
	return &ch, json.Unmarshal(raw, &ch.Entity)
}

// changes lists the register's changes, pending first, then the latest
// decided: of one kind and code, or all ("").
func changes(ctx context.Context, tx pgx.Tx, kind, code string) ([]*Change, error) {
	rows, err := tx.Query(ctx, `SELECT `+changeColumns+` FROM register_revisions r
		WHERE ($1 = '' OR (r.kind = $1 AND r.code = $2))
		ORDER BY r.status = 'pending' DESC, coalesce(r.decided_at, r.submitted_at) DESC LIMIT 200`, kind, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		out []*Change
		ds  []*Decision
	)
	for rows.Next() {
		ch, err := scanChange(rows)
		if err != nil {
			return nil, err
		}
		out, ds = append(out, ch), append(ds, &ch.Decision)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, setDue(ctx, tx, ds)
}

// changeByID returns change id, locked for a decision when forUpdate.
func changeByID(ctx context.Context, tx pgx.Tx, id uuid.UUID, forUpdate bool) (*Change, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE OF r"
	}
	ch, err := scanChange(tx.QueryRow(ctx, `SELECT `+changeColumns+` FROM register_revisions r WHERE r.id = $1`+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrRevisionNotFound
	}
	return ch, err
}

// changeProvider is the provider a change is about, if it is a provider's
// change and the provider exists: decisions on it are checked at it.
func changeProvider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p uuid.UUID
	err := tx.QueryRow(ctx, `SELECT p.id FROM register_revisions r JOIN providers p ON p.code = r.code
		WHERE r.id = $1 AND r.kind = 'provider'`, id).Scan(&p)
	return p, err
}

// decideChange publishes change id (it becomes public in this transaction;
// other pending changes of the same entity are superseded) or returns it
// with a comment, by the account by.
func decideChange(ctx context.Context, tx pgx.Tx, id uuid.UUID, publishIt bool, comment string, by *uuid.UUID, now time.Time) (*Change, error) {
	ch, err := changeByID(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	status, err := ch.decided(publishIt, comment)
	if err != nil {
		return nil, err
	}
	if publishIt {
		if err := applyChange(ctx, tx, ch, now); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE register_revisions SET status = 'superseded' WHERE kind = $1 AND code = $2 AND status = 'pending' AND id <> $3`,
			ch.Kind, ch.Code, ch.ID); err != nil {
			return nil, err
		}
	}
	return ch, ch.record(ctx, tx, "register_revisions", id, status, comment, by, now)
}

// applyChange makes ch public: the entity written (or retired) and, for a
// centre or a life situation, its services linked to it, each service's
// published content naming it as its links do.
func applyChange(ctx context.Context, tx pgx.Tx, ch *Change, now time.Time) error {
	tenant.Changed(ctx, tenant.PublicChannel)
	if ch.Retire {
		if ch.Kind == KindProvider {
			// Checked again at publication: services or staff may have
			// come since the proposal.
			inUse, err := providerInUse(ctx, tx, ch.Code)
			if err != nil {
				return err
			}
			if inUse != nil {
				return inUse
			}
		}
		_, err := tx.Exec(ctx, `UPDATE `+entityTables[ch.Kind]+` SET retired_at = $2 WHERE code = $1`, ch.Code, now)
		return err
	}
	switch ch.Kind {
	case KindProvider:
		p := *ch.Provider
		p.Code = ch.Code
		_, err := upsertProvider(ctx, tx, p)
		return err
	case KindCentre:
		c := *ch.Centre
		c.Code = ch.Code
		id, err := upsertCentre(ctx, tx, c)
		if err != nil {
			return err
		}
		return relink(ctx, tx, "centres", "centre_services", "centre_id", id, ch.Code, ch.Services)
	default:
		ls := *ch.LifeSituation
		ls.Code = ch.Code
		id, err := upsertLifeSituation(ctx, tx, ls)
		if err != nil {
			return err
		}
		return relink(ctx, tx, "life_situations", "service_life_situations", "life_situation_id", id, ch.Code, ch.Services)
	}
}

// relink makes the published services with codes, and only them, name
// code in their content's list key (centres or life_situations) and have a
// row in the link table (by its column for the entity's id), as publish
// keeps them for one service.
func relink(ctx context.Context, tx pgx.Tx, key, table, column string, id uuid.UUID, code string, codes []string) error {
	tenant.Changed(ctx, tenant.PublicChannel)
	codes = slices.Compact(slices.Sorted(slices.Values(codes)))
	if codes == nil {
		codes = []string{}
	}
	// A list left out or null in a service's content is an empty one.
	const list = `CASE WHEN jsonb_typeof(content->($1::text)) = 'array' THEN content->($1::text) ELSE '[]' END`
	if _, err := tx.Exec(ctx, `UPDATE services SET content = jsonb_set(content, ARRAY[$1::text], (`+list+`) || to_jsonb($2::text))
		WHERE content IS NOT NULL AND code = ANY($3) AND NOT (`+list+`) ? $2::text`, key, code, codes); err != nil {
		return fmt.Errorf("catalog: link services to %s %s: %w", key, code, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE services SET content = jsonb_set(content, ARRAY[$1::text], (content->($1::text)) - $2::text)
		WHERE content IS NOT NULL AND NOT code = ANY($3) AND (`+list+`) ? $2::text`, key, code, codes); err != nil {
		return fmt.Errorf("catalog: unlink services from %s %s: %w", key, code, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+column+` = $1`, id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+table+` (tenant_id, `+column+`, service_id)
		SELECT app_tenant_id(), $1, id FROM services WHERE code = ANY($2) AND content IS NOT NULL`, id, codes)
	return err
}

// providerInUse is why the provider with code cannot be retired yet: its
// published services (hand them to another provider first) or the
// officials who still hold access there (revoke it first); nil when
// neither.
func providerInUse(ctx context.Context, tx pgx.Tx, code string) (*apperr.Error, error) {
	var services, staff int
	if err := tx.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM services s JOIN providers p ON p.id = s.provider_id WHERE p.code = $1 AND s.content IS NOT NULL),
		(SELECT count(*) FROM access_grants g JOIN providers p ON p.id = g.provider_id WHERE p.code = $1 AND g.status <> 'revoked')`,
		code).Scan(&services, &staff); err != nil {
		return nil, err
	}
	switch {
	case services > 0:
		return ErrProviderServices.With(map[string]any{"Count": services}), nil
	case staff > 0:
		return ErrProviderStaff.With(map[string]any{"Count": staff}), nil
	}
	return nil, nil
}
