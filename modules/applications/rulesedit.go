package applications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/catalog"
	"hromada/modules/forms"
	"hromada/tenant"
	"hromada/web"
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

// publishedRules returns a service's published rule set, ErrNoRules when
// it has none (the service cannot run in automatic mode yet).
func publishedRules(ctx context.Context, tx pgx.Tx, serviceID uuid.UUID) (uuid.UUID, RuleSet, error) {
	var (
		id  uuid.UUID
		raw []byte
		rs  RuleSet
	)
	err := tx.QueryRow(ctx, `SELECT id, rules FROM service_rules WHERE service_id = $1 AND status = 'published'`, serviceID).Scan(&id, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, rs, ErrNoRules
	}
	if err != nil {
		return uuid.Nil, rs, err
	}
	err = json.Unmarshal(raw, &rs)
	return id, rs, err
}

// ErrNoRules is a service without a published rule set.
var ErrNoRules = errors.New("applications: the service has no published rule set")

// RulesRoutes mounts the rule set editor:
//
//	GET  /admin/services/{code}/rules          versions and the editor      service_revisions:read at its provider
//	POST /admin/services/{code}/rules          propose, or try (action=dry-run) service_revisions:create at its provider
//	POST /admin/rules/{id}/publish             publish                      service_revisions:approve at its provider
//	POST /admin/rules/{id}/return              return with a comment        service_revisions:approve at its provider
func (h *HTTP) RulesRoutes(r chi.Router) {
	g := h.Guard
	g.Route(r, http.MethodGet, "/admin/services/{code}/rules", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActRead, Scope: catalog.ScopeService}, h.handleRulesEdit)
	g.Route(r, http.MethodPost, "/admin/services/{code}/rules", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: catalog.ScopeService}, h.handleRulesPropose)
	g.Route(r, http.MethodPost, "/admin/rules/{id}/publish", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: versionProvider(rulesTable)}, h.handleRulesDecide(true))
	g.Route(r, http.MethodPost, "/admin/rules/{id}/return", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: versionProvider(rulesTable)}, h.handleRulesDecide(false))
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

type rulesEditData struct {
	Code      string
	Versions  []RulesVersion
	Draft     string
	Facts     string
	Data      string
	Error     string
	Flash     string
	Outcome   *Outcome
	Fields    []string
	Grounds   []string
	Automatic bool
}

func (h *HTTP) rulesEditData(ctx context.Context, code string) (rulesEditData, error) {
	d := rulesEditData{Code: code, Facts: "{\n  \"residence.found\": true,\n  \"residence.registered\": true\n}", Data: "{}"}
	err := h.Svc.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce((content->>'automatic')::boolean, false) FROM services WHERE code = $1`, code).Scan(&d.Automatic); err != nil {
			return err
		}
		var err error
		if d.Fields, d.Grounds, err = serviceRulesContext(ctx, tx, code); err != nil && !errors.Is(err, ErrNoForm) {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT f.id, f.version, f.rules, f.status, coalesce(a.full_name, ''), f.comment FROM service_rules f
			JOIN services s ON s.id = f.service_id LEFT JOIN accounts a ON a.id = f.submitted_by WHERE s.code = $1 ORDER BY f.version DESC`, code)
		if err != nil {
			return err
		}
		d.Versions, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (RulesVersion, error) {
			var (
				v   RulesVersion
				raw []byte
			)
			err := r.Scan(&v.ID, &v.Version, &raw, &v.Status, &v.Submitter, &v.Comment)
			var rs RuleSet
			_ = json.Unmarshal(raw, &rs)
			v.Rules = indentJSON(rs)
			return v, err
		})
		return err
	})
	for _, v := range d.Versions {
		if v.Status == "published" && d.Draft == "" {
			d.Draft = v.Rules
		}
	}
	if d.Draft == "" {
		d.Draft = indentJSON(RuleSet{Checks: []Check{{Name: "residence", Lookup: "residence"}},
			Require: []Cond{{Fact: "residence.registered", Op: "eq", Value: true}}, Result: ResultSpec{Title: tenant.Text{UK: "Назва документа-результату"}}})
	}
	return d, err
}

func (h *HTTP) handleRulesEdit(w http.ResponseWriter, r *http.Request) {
	d, err := h.rulesEditData(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if done := r.URL.Query().Get("done"); done != "" {
		d.Flash = h.RD.Localizer(r).T("rules.done_" + done)
	}
	h.RD.Render(w, r, http.StatusOK, "applications/rules_edit", &web.Page{TitleKey: "rules.title", Data: d})
}

func decodeStrict(raw string, v any) error {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// handleRulesPropose proposes the posted rule set or, with action=dry-run,
// evaluates it on the posted sample facts and form data without saving.
func (h *HTTP) handleRulesPropose(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	l := h.RD.Localizer(r)
	var rs RuleSet
	err := decodeStrict(r.FormValue("rules"), &rs)
	if err != nil {
		err = ErrRulesInvalid.Wrap(err)
	}
	dry := r.FormValue("action") == "dry-run"
	var outcome *Outcome
	if err == nil && dry {
		var facts, data map[string]any
		if err = decodeStrict(r.FormValue("facts"), &facts); err == nil {
			err = decodeStrict(r.FormValue("data"), &data)
		}
		if err != nil {
			err = ErrRulesInvalid.Wrap(err)
		} else {
			err = h.Svc.DB.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
				fields, grounds, err := serviceRulesContext(ctx, tx, code)
				if err != nil {
					return err
				}
				return rs.Validate(fields, grounds)
			})
			if err == nil {
				o := rs.Evaluate(facts, data)
				outcome = &o
			}
		}
	} else if err == nil {
		err = h.Svc.DB.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
			_, _, err := ProposeRules(ctx, tx, code, rs, h.actor(r))
			return err
		})
	}
	if err == nil && !dry {
		http.Redirect(w, r, "/admin/services/"+code+"/rules?done=proposed", http.StatusSeeOther)
		return
	}
	if err != nil {
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid {
			h.RD.Error(w, r, err)
			return
		}
	}
	d, derr := h.rulesEditData(r.Context(), code)
	if derr != nil {
		h.RD.Error(w, r, derr)
		return
	}
	d.Draft, d.Facts, d.Data, d.Outcome = r.FormValue("rules"), r.FormValue("facts"), r.FormValue("data"), outcome
	status := http.StatusOK
	if err != nil {
		e := apperr.As(err)
		d.Error, status = l.Message(e.Key, e.Args)+" "+causeOf(err), http.StatusUnprocessableEntity
	}
	h.RD.Render(w, r, status, "applications/rules_edit", &web.Page{TitleKey: "rules.title", Data: d})
}

func (h *HTTP) handleRulesDecide(publish bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			h.RD.Error(w, r, ErrFormNotFound)
			return
		}
		var status, code string
		err = h.Svc.DB.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
			var err error
			status, code, err = DecideRules(ctx, tx, id, publish, r.FormValue("comment"), h.actor(r))
			return err
		})
		if err != nil {
			h.RD.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/services/"+code+"/rules?done="+status, http.StatusSeeOther)
	}
}
