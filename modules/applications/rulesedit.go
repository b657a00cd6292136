package applications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/forms"
	"hromada/tenant"
)

// A service's rule set is edited like its form: proposed by the
// provider's staff (checked against the published form and the service's
// grounds for refusal), tried on sample data, published by someone else.

// serviceRulesContext is what a rule set is checked against.
func serviceRulesContext(ctx context.Context, tx pgx.Tx, serviceCode string) (fields, grounds []string, err error) {
	var (
		serviceID uuid.UUID
		raw       []byte
	)
	err = tx.QueryRow(ctx, `SELECT id, coalesce(content->'refusal_grounds', '[]') FROM services WHERE code = $1`, serviceCode).Scan(&serviceID, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, ErrNoForm
	}
	if err != nil {
		return nil, nil, err
	}
	var gs []tenant.Text
	if err := json.Unmarshal(raw, &gs); err != nil {
		return nil, nil, fmt.Errorf("applications: refusal grounds of %s: %w", serviceCode, err)
	}
	for _, g := range gs {
		grounds = append(grounds, g.UK)
	}
	_, _, def, err := publishedForm(ctx, tx, serviceID)
	if err != nil {
		return nil, nil, err
	}
	f, err := forms.Compile(def, nil)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range f.Sections() {
		for _, fl := range s.Fields {
			fields = append(fields, fl.Name)
		}
	}
	return fields, grounds, nil
}

// ProposeRules saves a pending version of a service's rule set once it is
// valid for the service.
func ProposeRules(ctx context.Context, tx pgx.Tx, serviceCode string, rs RuleSet, by uuid.UUID) (uuid.UUID, int, error) {
	fields, grounds, err := serviceRulesContext(ctx, tx, serviceCode)
	if err != nil {
		return uuid.Nil, 0, err
	}
	if err := rs.Validate(fields, grounds); err != nil {
		return uuid.Nil, 0, err
	}
	return rulesTable.propose(ctx, tx, serviceCode, rs, by)
}

// DecideRules publishes or returns a pending rule set.
func DecideRules(ctx context.Context, tx pgx.Tx, id uuid.UUID, publish bool, comment string, by uuid.UUID) (status, serviceCode string, err error) {
	return rulesTable.decide(ctx, tx, id, publish, comment, by)
}

// PublishRules publishes rs for the service at once (the demo loader).
func PublishRules(ctx context.Context, tx pgx.Tx, serviceCode string, rs RuleSet) error {
	fields, grounds, err := serviceRulesContext(ctx, tx, serviceCode)
	if err != nil {
		return err
	}
	if err := rs.Validate(fields, grounds); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE service_rules SET status = 'superseded' WHERE status = 'published'
		AND service_id = (SELECT id FROM services WHERE code = $1)`, serviceCode); err != nil {
		return err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO service_rules (tenant_id, id, service_id, version, rules, status, decided_at)
		SELECT app_tenant_id(), $1, s.id, coalesce((SELECT max(version) FROM service_rules WHERE service_id = s.id), 0) + 1, $3, 'published', now()
		FROM services s WHERE s.code = $2`, id, serviceCode, mustJSON(rs))
	return err
}

// RulesVersion is a version of a service's rule set.
type RulesVersion struct {
	ID        uuid.UUID
	Version   int
	Rules     string // indented JSON
	Status    string
	Submitter string
	Comment   string
}

// rulesProvider is the provider of the service of rule set version id (the
// guard's scope of a decision on it).
func rulesProvider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	return rulesTable.provider(ctx, tx, id)
}

// RulesEditor is what the rule set editor shows of a service: whether it
// runs in automatic mode, the form's fields and the grounds for refusal a
// rule set may name, and its rule sets' versions, the latest first.
type RulesEditor struct {
	Automatic       bool
	Fields, Grounds []string
	Versions        []RulesVersion
}

// RulesEditor reads the editor of the service's rule sets in one read
// transaction. A service without a published form has no fields.
func (s *Service) RulesEditor(ctx context.Context, serviceCode string) (*RulesEditor, error) {
	var ed RulesEditor
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce((content->>'automatic')::boolean, false) FROM services WHERE code = $1`, serviceCode).Scan(&ed.Automatic); err != nil {
			return err
		}
		var err error
		if ed.Fields, ed.Grounds, err = serviceRulesContext(ctx, tx, serviceCode); err != nil && !errors.Is(err, ErrNoForm) {
			return err
		}
		ed.Versions, err = rulesVersions(ctx, tx, serviceCode)
		return err
	})
	return &ed, err
}

// rulesVersions are the versions of a service's rule set, the latest
// first.
func rulesVersions(ctx context.Context, tx pgx.Tx, serviceCode string) ([]RulesVersion, error) {
	rows, err := tx.Query(ctx, `SELECT f.id, f.version, f.rules, f.status, coalesce(a.full_name, ''), f.comment FROM service_rules f
		JOIN services s ON s.id = f.service_id LEFT JOIN accounts a ON a.id = f.submitted_by WHERE s.code = $1 ORDER BY f.version DESC`, serviceCode)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RulesVersion, error) {
		var (
			v   RulesVersion
			raw []byte
			rs  RuleSet
		)
		if err := r.Scan(&v.ID, &v.Version, &raw, &v.Status, &v.Submitter, &v.Comment); err != nil {
			return v, err
		}
		if err := json.Unmarshal(raw, &rs); err != nil {
			return v, fmt.Errorf("applications: rule set version %d of %s: %w", v.Version, serviceCode, err)
		}
		v.Rules = indentJSON(rs)
		return v, nil
	})
}

// TryRules checks rs against the service (its form's fields, its grounds
// for refusal) and evaluates it on sample facts and form data, saving
// nothing, in one read transaction: the dry run of the editor.
// ErrRulesInvalid (wrapping why) when rs does not fit the service.
func (s *Service) TryRules(ctx context.Context, serviceCode string, rs RuleSet, facts, data map[string]any) (Outcome, error) {
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		fields, grounds, err := serviceRulesContext(ctx, tx, serviceCode)
		if err != nil {
			return err
		}
		return rs.Validate(fields, grounds)
	})
	if err != nil {
		return Outcome{}, err
	}
	return rs.Evaluate(facts, data), nil
}

// ProposeRules saves rs as a pending version of the service's rule set,
// proposed by the signed-in person, in one transaction (see the package
// function ProposeRules).
func (s *Service) ProposeRules(ctx context.Context, serviceCode string, rs RuleSet) error {
	by, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, _, err := ProposeRules(ctx, tx, serviceCode, rs, by)
		return err
	})
}

// DecideRules publishes or returns (with a comment) a pending rule set as
// the signed-in person, in one transaction, and returns its new status and
// its service's code. Errors as DecideForm's.
func (s *Service) DecideRules(ctx context.Context, id uuid.UUID, publish bool, comment string) (status, serviceCode string, err error) {
	by, err := actor(ctx)
	if err != nil {
		return "", "", err
	}
	err = s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		status, serviceCode, err = DecideRules(ctx, tx, id, publish, comment, by)
		return err
	})
	return status, serviceCode, err
}
