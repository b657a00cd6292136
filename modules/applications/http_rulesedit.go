package applications

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/tenant"
	"hromada/web"
)

// The rule set editor of automatic mode: versions, a dry run on sample
// facts, proposals and decisions (see rulesedit.go).

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
	ed, err := h.Svc.RulesEditor(ctx, code)
	if ed != nil {
		d.Automatic, d.Fields, d.Grounds, d.Versions = ed.Automatic, ed.Fields, ed.Grounds, ed.Versions
	}
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

// decodeStrict decodes posted JSON, refusing fields the type does not
// have (a misspelt key is an error, not a rule silently dropped).
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
			var o Outcome
			if o, err = h.Svc.TryRules(r.Context(), code, rs, facts, data); err == nil {
				outcome = &o
			}
		}
	} else if err == nil {
		err = h.Svc.ProposeRules(r.Context(), code, rs)
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
		status, code, err := h.Svc.DecideRules(r.Context(), id, publish, r.FormValue("comment"))
		if err != nil {
			h.RD.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/services/"+code+"/rules?done="+status, http.StatusSeeOther)
	}
}
