package catalog

import (
	"context"
	"errors"
	"maps"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/audit"
	"hromada/modules/identity"
)

// Listed is a provider, a centre or a life situation as the console lists
// it, retired ones too.
type Listed struct {
	ID      uuid.UUID
	Code    string
	Kind    string // a centre's kind; a provider's kind of body
	Name    Text
	Retired bool
}

// RegisterAdmin is the administrator's view of the register beside its
// services: every provider, centre and life situation, and their changes.
type RegisterAdmin struct {
	Providers, Centres, LifeSituations []Listed
	Changes                            []*Change
}

// Register reads the console's view of the register in one transaction.
func (s *Service) Register(ctx context.Context) (*RegisterAdmin, error) {
	var ra RegisterAdmin
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		for _, l := range []struct {
			into *[]Listed
			sql  string
		}{
			{&ra.Providers, `SELECT id, code, kind, name, retired_at IS NOT NULL FROM providers ORDER BY name_uk`},
			{&ra.Centres, `SELECT id, code, kind, name, retired_at IS NOT NULL FROM centres ORDER BY kind, code`},
			{&ra.LifeSituations, `SELECT id, code, '', name, retired_at IS NOT NULL FROM life_situations ORDER BY position, code`},
		} {
			if *l.into, err = listed(ctx, tx, l.sql); err != nil {
				return err
			}
		}
		ra.Changes, err = changes(ctx, tx, "", "")
		return err
	})
	return &ra, err
}

func listed(ctx context.Context, tx pgx.Tx, sql string) ([]Listed, error) {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Listed, error) {
		var l Listed
		return l, r.Scan(&l.ID, &l.Code, &l.Kind, &l.Name, &l.Retired)
	})
}

// Editing is what a change's form starts from: the entity as published
// (retired or not; nil fields for a new one), the changes proposed of it,
// and the choices the form offers.
type Editing struct {
	Entity
	Changes []*Change
	// AllServices are the published services a centre or a life situation
	// may list; Centres the centres a branch may belong to.
	AllServices []Published
	Centres     []Centre
}

// Editing reads the entity of kind with code (none when code is "": a new
// one) and its form's choices, in one transaction. ErrNoEntity when there is
// no such entity.
func (s *Service) Editing(ctx context.Context, kind, code string) (*Editing, error) {
	var ed Editing
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if kind != KindProvider {
			if ed.AllServices, _, err = AllServices(ctx, tx, maxItems*10, 0); err != nil {
				return err
			}
		}
		if kind == KindCentre {
			if ed.Centres, err = centres(ctx, tx, `WHERE kind = 'centre' AND retired_at IS NULL`); err != nil {
				return err
			}
		}
		if code == "" {
			return nil
		}
		if ed.Entity, err = entityOf(ctx, tx, kind, code); err != nil {
			return err
		}
		ed.Changes, err = changes(ctx, tx, kind, code)
		return err
	})
	return &ed, err
}

// entityOf reads the entity of kind with code as published, retired or not.
func entityOf(ctx context.Context, tx pgx.Tx, kind, code string) (Entity, error) {
	var e Entity
	switch kind {
	case KindProvider:
		p, err := scanProvider(tx.QueryRow(ctx, `SELECT `+providerColumns+` FROM providers WHERE code = $1`, code))
		if errors.Is(err, pgx.ErrNoRows) {
			return e, ErrNoEntity
		}
		e.Provider = p
		return e, err
	case KindCentre:
		cs, err := centres(ctx, tx, `WHERE code = $1`, code)
		if err != nil {
			return e, err
		}
		if len(cs) == 0 {
			return e, ErrNoEntity
		}
		e.Centre = &cs[0]
		e.Services, err = linkedServices(ctx, tx, `SELECT s.code FROM services s JOIN centre_services l ON l.service_id = s.id
			JOIN centres c ON c.id = l.centre_id WHERE c.code = $1 ORDER BY s.code`, code)
		return e, err
	default:
		ls, err := lifeSituations(ctx, tx, `WHERE code = $1`, code)
		if err != nil {
			return e, err
		}
		if len(ls) == 0 {
			return e, ErrNoEntity
		}
		e.LifeSituation = &ls[0]
		e.Services, err = linkedServices(ctx, tx, `SELECT s.code FROM services s JOIN service_life_situations l ON l.service_id = s.id
			JOIN life_situations ls ON ls.id = l.life_situation_id WHERE ls.code = $1 ORDER BY s.code`, code)
		return e, err
	}
}

func linkedServices(ctx context.Context, tx pgx.Tx, sql, code string) ([]string, error) {
	rows, err := tx.Query(ctx, sql, code)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ProviderCode is the code of the provider with id. ErrNoEntity when there
// is none.
func (s *Service) ProviderCode(ctx context.Context, id uuid.UUID) (string, error) {
	var code string
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		code, err = providerCode(ctx, tx, id.String())
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNoEntity
	}
	return code, err
}

// ProposeChange checks ch (with the form's own problems, formErrs) and saves
// it as a pending change by author, audited, in one transaction: the
// administrator then publishes or returns it. isNew proposes a new entity.
// Invalid input gives ErrRevisionInvalid and the problems by field. A
// double submit is the first proposal, audited once.
func (s *Service) ProposeChange(ctx context.Context, ch *Change, formErrs FieldErrors, isNew bool, author uuid.UUID) (FieldErrors, error) {
	var errs FieldErrors
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var (
			again bool
			err   error
		)
		errs, again, err = proposeChange(ctx, tx, ch, isNew, &author, s.now())
		if len(formErrs) > 0 {
			if errs == nil {
				errs = FieldErrors{}
			}
			maps.Copy(errs, formErrs)
			return ErrRevisionInvalid
		}
		if err != nil || again {
			return err
		}
		return s.auditChange(ctx, tx, "propose", ch)
	})
	return errs, err
}

// DecideChange publishes change id or returns it with a comment, by the
// account by, audited, in one transaction. It refuses a decided change
// (ErrRevisionDecided), a return without a comment (ErrCommentRequired)
// and the retirement of a provider that still has published services
// (ErrProviderServices).
func (s *Service) DecideChange(ctx context.Context, id uuid.UUID, publishIt bool, comment string, by uuid.UUID) (*Change, error) {
	var ch *Change
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if ch, err = decideChange(ctx, tx, id, publishIt, comment, &by, s.now()); err != nil {
			return err
		}
		action := "return"
		if publishIt {
			action = "publish"
		}
		return s.auditChange(ctx, tx, action, ch)
	})
	return ch, err
}

// auditChange records a proposal of or a decision on a change (action
// "propose", "publish" or "return") by the signed-in person, in its
// transaction.
func (s *Service) auditChange(ctx context.Context, tx pgx.Tx, action string, ch *Change) error {
	actor := audit.Actor{}
	if sg := identity.SignedFrom(ctx); sg != nil {
		actor = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	}
	_, err := s.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "catalog.change." + action, ObjectType: ch.Kind,
		ObjectID: ch.Code, Details: map[string]any{"revision": ch.Number, "status": ch.Status, "retire": ch.Retire,
			"basis_date": ch.BasisDate.Format("2006-01-02")}})
	return err
}
