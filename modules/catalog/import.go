package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
)

// Importing a register (issue 13): a city brings its register from another
// portal, or from a file its staff keep, in the open-data format the
// catalog exports (docs/opendata.md). PlanImport is the dry run: per record,
// what would be created, changed (which fields), left as it is, or refused
// and why. ApplyImport carries a plan out in one transaction.
//
// Imported services are not published by the import. Information reaches
// the public only through a revision the administrator publishes (seed 003
// §7.3–7.5), so the import proposes: a new service is created unpublished
// (as the editor's Create does) with its content as a pending revision, a
// changed one gets a pending revision while its published content stays; the
// administrator publishes them all at once (PublishRevisions) from the
// import's result, or one by one in the revisions' list, or returns them.
// Providers, life situations and centres are the register's reference data,
// not revisioned anywhere in the catalog: the import writes them as they are.

// Actions of a PlanRow.
const (
	ActionCreate    = "create"
	ActionChange    = "change"
	ActionUnchanged = "unchanged"
	ActionRefuse    = "refuse"
)

// PlanRow is what an import does with one record of the register.
type PlanRow struct {
	Kind   string // KindProvider, KindLifeSituation, KindCentre, KindService
	Index  int    // its place in its list of the file, from 0
	Code   string
	Action string
	// Fields are the fields that change (ActionChange), by their names in
	// the open data.
	Fields []string
	// Problems are why the row is refused (ActionRefuse).
	Problems []Problem
}

// Plan is an import's dry run: every record of the file, in the file's
// order (providers, life situations, centres, services), with counts.
type Plan struct {
	Rows                                 []PlanRow
	Created, Changed, Unchanged, Refused int
}

// ImportOptions are an apply's choices.
type ImportOptions struct {
	// SkipRefused applies the rows that can be applied and leaves out the
	// refused ones (and any row that refers to one). Without it a plan with
	// a refused row is not applied at all (ErrImportRefused).
	SkipRefused bool
	// Source names the file in the audit log.
	Source string
}

// ImportResult is what an apply did: the plan it carried out (rows it
// skipped still refused), and the revisions it proposed, pending the
// administrator's publication.
type ImportResult struct {
	Plan *Plan
	// Created and Changed are the records written; Skipped those left out
	// (SkipRefused), the refused and what referred to them.
	Created, Changed, Skipped int
	Revisions                 []uuid.UUID
}

// Errors of an import.
var (
	ErrImportRefused = apperr.New(apperr.Invalid, "error.import_refused")
	ErrImportEmpty   = apperr.New(apperr.Invalid, "error.import_empty")
)

// PlanImport is the dry run of importing reg into the tenant in ctx, in one
// read-only transaction: nothing is written.
func (s *Service) PlanImport(ctx context.Context, reg Register) (*Plan, error) {
	var plan *Plan
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		plan, _, err = planImport(ctx, tx, reg)
		return err
	})
	return plan, err
}

// ApplyImport imports reg into the tenant in ctx in one transaction: it
// plans again inside it (what was planned before may have changed), refuses
// a plan with refused rows unless opts.SkipRefused, writes providers, life
// situations and centres, creates new services unpublished, proposes every
// new or changed service's content as a pending revision by the signed-in
// person, and records one audit event with the counts. A failure anywhere
// leaves nothing behind. A refused plan is returned with ErrImportRefused.
func (s *Service) ApplyImport(ctx context.Context, reg Register, opts ImportOptions) (*ImportResult, error) {
	var res ImportResult
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		res = ImportResult{} // should the transaction be run again
		plan, reg, err := planImport(ctx, tx, reg)
		if err != nil {
			return err
		}
		res.Plan = plan
		if plan.Refused > 0 && !opts.SkipRefused {
			return ErrImportRefused
		}
		// Leaving out a refused row may leave a row that refers to it
		// without its reference: plan again until nothing is refused.
		for plan.Refused > 0 {
			res.Skipped += plan.Refused
			reg = withoutRefused(reg, plan)
			if plan, reg, err = planImport(ctx, tx, reg); err != nil {
				return err
			}
		}
		if len(plan.Rows) == 0 && res.Skipped == 0 {
			return ErrImportEmpty
		}
		res.Created, res.Changed = plan.Created, plan.Changed
		if res.Revisions, err = s.applyPlan(ctx, tx, reg, plan); err != nil {
			return err
		}
		return s.auditImport(ctx, tx, opts.Source, plan, res)
	})
	if err != nil && !errors.Is(err, ErrImportRefused) && !errors.Is(err, ErrImportEmpty) {
		s.log.ErrorContext(ctx, "importing a register", "source", opts.Source, "error", err)
	}
	return &res, err
}

// PublishRevisions publishes the pending revisions ids at once, in one
// transaction, each audited as the revisions' list would: the bulk
// publication of an import's services. One that is not pending any more
// (decided meanwhile) refuses them all (ErrRevisionDecided).
func (s *Service) PublishRevisions(ctx context.Context, ids []uuid.UUID) (int, error) {
	var by *uuid.UUID
	if sg := identity.SignedFrom(ctx); sg != nil {
		by = &sg.AccountID
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, id := range ids {
			rev, err := Decide(ctx, tx, id, true, "", by, s.now())
			if err != nil {
				return err
			}
			if err := s.auditRevision(ctx, tx, "publish", rev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// current is what the city's register holds, by code, as an import
// compares with: a service's content is its published one, or, for a
// service not yet published, its latest pending revision's.
type current struct {
	providers  map[string]Provider
	situations map[string]LifeSituation
	centres    map[string]Centre
	services   map[string]currentService
}

type currentService struct {
	provider string // code
	content  *Content
}

func readCurrent(ctx context.Context, tx pgx.Tx) (*current, error) {
	cur := &current{providers: map[string]Provider{}, situations: map[string]LifeSituation{}, centres: map[string]Centre{},
		services: map[string]currentService{}}
	ps, err := Providers(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		cur.providers[p.Code] = p
	}
	lss, err := LifeSituations(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, ls := range lss {
		cur.situations[ls.Code] = ls
	}
	cs, err := Centres(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		cur.centres[c.Code] = c
	}
	rows, err := tx.Query(ctx, `SELECT s.code, p.code, coalesce(s.content,
		    (SELECT r.content FROM service_revisions r WHERE r.service_id = s.id AND r.status = 'pending' ORDER BY r.number DESC LIMIT 1))
		FROM services s JOIN providers p ON p.id = s.provider_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			code string
			cs   currentService
			raw  []byte
		)
		if err := rows.Scan(&code, &cs.provider, &raw); err != nil {
			return nil, err
		}
		if raw != nil {
			cs.content = &Content{}
			if err := json.Unmarshal(raw, cs.content); err != nil {
				return nil, fmt.Errorf("catalog: service %s: %w", code, err)
			}
		}
		cur.services[code] = cs
	}
	return cur, rows.Err()
}

// planImport plans reg against the register in tx (see PlanImport), and
// returns the register it planned: a CSV's services with the rest of their
// content.
func planImport(ctx context.Context, tx pgx.Tx, reg Register) (*Plan, Register, error) {
	cur, err := readCurrent(ctx, tx)
	if err != nil {
		return nil, reg, err
	}
	if reg.fromCSV {
		services := slices.Clone(reg.Services)
		for i, sv := range services {
			if old, ok := cur.services[sv.Content.Code]; ok && old.content != nil {
				services[i].Content = overCSV(*old.content, sv.Content)
			}
		}
		reg.Services = services
	}
	k := &known{providers: map[string]bool{}, situations: map[string]bool{}, centres: map[string]string{}}
	for code := range cur.providers {
		k.providers[code] = true
	}
	for code := range cur.situations {
		k.situations[code] = true
	}
	for code, c := range cur.centres {
		k.centres[code] = c.Kind
	}
	problems := map[[2]any][]Problem{}
	for _, p := range registerProblems(reg, k) {
		key := [2]any{p.Kind, p.Index}
		problems[key] = append(problems[key], p)
	}
	// What only the city's register can say: a service keeps its provider
	// (a revision changes its information, not who provides it).
	for i, sv := range reg.Services {
		if c, ok := cur.services[sv.Content.Code]; ok && c.provider != sv.Provider {
			key := [2]any{KindService, i}
			problems[key] = append(problems[key], Problem{Kind: KindService, Index: i, Code: sv.Content.Code, Field: "provider",
				Err:    fe("error.import_provider_change").With(map[string]any{"Code": c.provider}),
				Detail: fmt.Sprintf("provider %q: the service is provided by %q", sv.Provider, c.provider)})
		}
	}
	plan := &Plan{}
	row := func(kind string, i int, code string, old, incoming any, exists bool) {
		r := PlanRow{Kind: kind, Index: i, Code: code, Problems: problems[[2]any{kind, i}]}
		switch {
		case len(r.Problems) > 0:
			r.Action = ActionRefuse
			plan.Refused++
		case !exists:
			r.Action = ActionCreate
			plan.Created++
		default:
			if r.Fields = changedFields(old, incoming); len(r.Fields) > 0 {
				r.Action = ActionChange
				plan.Changed++
			} else {
				r.Action = ActionUnchanged
				plan.Unchanged++
			}
		}
		plan.Rows = append(plan.Rows, r)
	}
	for i, p := range reg.Providers {
		old, ok := cur.providers[p.Code]
		row(KindProvider, i, p.Code, openProviderOf(old), openProviderOf(p), ok)
	}
	for i, ls := range reg.LifeSituations {
		old, ok := cur.situations[ls.Code]
		row(KindLifeSituation, i, ls.Code, openLifeSituation(old), openLifeSituation(ls), ok)
	}
	for i, c := range reg.Centres {
		old, ok := cur.centres[c.Code]
		row(KindCentre, i, c.Code, openCentre(old), openCentre(c), ok)
	}
	for i, sv := range reg.Services {
		old, ok := cur.services[sv.Content.Code]
		var was any
		if old.content != nil {
			was = *old.content
		}
		row(KindService, i, sv.Content.Code, was, sv.Content, ok)
	}
	return plan, reg, nil
}

// withoutRefused is reg without the records plan refuses.
func withoutRefused(reg Register, plan *Plan) Register {
	refused := map[[2]any]bool{}
	for _, r := range plan.Rows {
		if r.Action == ActionRefuse {
			refused[[2]any{r.Kind, r.Index}] = true
		}
	}
	keep := func(kind string) func(int) bool {
		return func(i int) bool { return !refused[[2]any{kind, i}] }
	}
	return Register{
		Providers:      filter(reg.Providers, keep(KindProvider)),
		LifeSituations: filter(reg.LifeSituations, keep(KindLifeSituation)),
		Centres:        filter(reg.Centres, keep(KindCentre)),
		Services:       filter(reg.Services, keep(KindService)),
		fromCSV:        reg.fromCSV,
	}
}

func filter[T any](xs []T, keep func(int) bool) []T {
	var out []T
	for i, x := range xs {
		if keep(i) {
			out = append(out, x)
		}
	}
	return out
}

// applyPlan writes what plan (with nothing refused) says of reg, in tx,
// and returns the revisions it proposed.
func (s *Service) applyPlan(ctx context.Context, tx pgx.Tx, reg Register, plan *Plan) ([]uuid.UUID, error) {
	var author *uuid.UUID
	if sg := identity.SignedFrom(ctx); sg != nil {
		author = &sg.AccountID
	}
	now := s.now()
	basis := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	var revisions []uuid.UUID
	for _, r := range plan.Rows {
		if r.Action != ActionCreate && r.Action != ActionChange {
			continue
		}
		var err error
		switch r.Kind {
		case KindProvider:
			_, err = upsertProvider(ctx, tx, reg.Providers[r.Index])
		case KindLifeSituation:
			_, err = upsertLifeSituation(ctx, tx, reg.LifeSituations[r.Index])
		case KindCentre:
			_, err = upsertCentre(ctx, tx, reg.Centres[r.Index])
		case KindService:
			var id uuid.UUID
			if id, err = s.proposeImported(ctx, tx, reg.Services[r.Index], r.Action == ActionCreate, basis, author, now); err == nil {
				revisions = append(revisions, id)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("catalog: import: %s %s: %w", r.Kind, r.Code, err)
		}
	}
	return revisions, nil
}

// proposeImported creates sv's service unpublished when it is new and
// proposes its content as a pending revision, through the same Propose (and
// its checks) as the editor's.
func (s *Service) proposeImported(ctx context.Context, tx pgx.Tx, sv RegisteredService, create bool, basis time.Time, author *uuid.UUID, now time.Time) (uuid.UUID, error) {
	if create {
		var provider uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = $1`, sv.Provider).Scan(&provider); err != nil {
			return uuid.Nil, fmt.Errorf("provider %q: %w", sv.Provider, err)
		}
		created, err := createService(ctx, tx, sv.Content.Code, provider)
		if err != nil {
			return uuid.Nil, err
		}
		if !created {
			return uuid.Nil, fmt.Errorf("code %q is taken", sv.Content.Code)
		}
	}
	rev, errs, err := Propose(ctx, tx, sv.Content.Code, sv.Content, basis, author, now)
	if err != nil {
		return uuid.Nil, fmt.Errorf("%w %v", err, errs)
	}
	return rev.ID, nil
}

// auditImport records the import as one event with its counts.
func (s *Service) auditImport(ctx context.Context, tx pgx.Tx, source string, plan *Plan, res ImportResult) error {
	actor := audit.Actor{}
	if sg := identity.SignedFrom(ctx); sg != nil {
		actor = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	}
	_, err := s.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "catalog.import", ObjectType: "register", ObjectID: source,
		Details: map[string]any{"created": res.Created, "changed": res.Changed, "unchanged": plan.Unchanged, "skipped": res.Skipped,
			"revisions": len(res.Revisions)}})
	return err
}

// changedFields are the top-level fields of the open data in which a and b
// differ; an absent field, null, "", 0, false, [] and {} are all "empty"
// and equal (the database keeps no difference between them).
func changedFields(a, b any) []string {
	ma, mb := fieldsOf(a), fieldsOf(b)
	var out []string
	for k := range mb {
		if !reflect.DeepEqual(ma[k], mb[k]) {
			out = append(out, k)
		}
	}
	for k := range ma {
		if _, ok := mb[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func fieldsOf(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	var m any
	if json.Unmarshal(raw, &m) != nil {
		return map[string]any{}
	}
	if mm, ok := pruneEmpty(m).(map[string]any); ok {
		return mm
	}
	return map[string]any{}
}

// pruneEmpty is v without its empty values (see changedFields); nil when
// v is empty itself.
func pruneEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if x[k] = pruneEmpty(e); x[k] == nil {
				delete(x, k)
			}
		}
		if len(x) == 0 {
			return nil
		}
	case []any:
		for i, e := range x {
			x[i] = pruneEmpty(e)
		}
		if len(x) == 0 {
			return nil
		}
	case string:
		if x == "" {
			return nil
		}
	case float64:
		if x == 0 {
			return nil
		}
	case bool:
		if !x {
			return nil
		}
	}
	return v
}
