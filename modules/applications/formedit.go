package applications

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/catalog"
	"hromada/modules/forms"
	"hromada/web"
)

// A service's electronic form changes the way its information does (seed
// 003 §7.3–7.6): the provider's staff propose a version, whoever approves
// the provider's publications publishes or returns it, and nobody
// publishes their own proposal. Applications keep the version they were
// filled in.

// FormVersion is a version of a service's form.
type FormVersion struct {
	ID          uuid.UUID
	ServiceCode string
	Version     int
	Definition  forms.Definition
	Status      string // pending | published | returned | superseded
	SubmittedBy *uuid.UUID
	Submitter   string
	SubmittedAt time.Time
	DecidedAt   *time.Time
	Comment     string
}

// Errors of the form editor.
var (
	ErrFormInvalid    = apperr.New(apperr.Invalid, "error.form_definition")
	ErrFormDecided    = apperr.New(apperr.Conflict, "error.form_decided")
	ErrFormOwnPublish = apperr.New(apperr.Forbidden, "error.form_own_publish")
	ErrFormNotFound   = apperr.New(apperr.NotFound, "error.form_not_found")
)

// versioned names a table of versions of a service's definition: the
// form (service_forms.definition) or the rule set (service_rules.rules).
type versioned struct{ table, column string }

var (
	formTable  = versioned{"service_forms", "definition"}
	rulesTable = versioned{"service_rules", "rules"}
)

// propose saves a pending version of the service's definition.
func (v versioned) propose(ctx context.Context, tx pgx.Tx, serviceCode string, payload any, by uuid.UUID) (uuid.UUID, int, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, 0, err
	}
	var ver int
	err = tx.QueryRow(ctx, `INSERT INTO `+v.table+` (tenant_id, id, service_id, version, `+v.column+`, status, submitted_by)
		SELECT app_tenant_id(), $1, s.id, coalesce((SELECT max(version) FROM `+v.table+` WHERE service_id = s.id), 0) + 1, $3, 'pending', $4
		FROM services s WHERE s.code = $2 RETURNING version`, id, serviceCode, mustJSON(payload), by).Scan(&ver)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, 0, ErrNoForm
	}
	return id, ver, err
}

// decide publishes (superseding the published version) or returns a
// pending version; nobody decides their own proposal.
func (v versioned) decide(ctx context.Context, tx pgx.Tx, id uuid.UUID, publish bool, comment string, by uuid.UUID) (string, string, error) {
	var (
		status, code string
		submitter    *uuid.UUID
	)
	err := tx.QueryRow(ctx, `SELECT f.status, s.code, f.submitted_by FROM `+v.table+` f JOIN services s ON s.id = f.service_id
		WHERE f.id = $1 FOR UPDATE OF f`, id).Scan(&status, &code, &submitter)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrFormNotFound
	}
	if err != nil {
		return "", "", err
	}
	if status != "pending" {
		return "", "", ErrFormDecided
	}
	if submitter != nil && *submitter == by {
		return "", "", ErrFormOwnPublish
	}
	status = "returned"
	if publish {
		status = "published"
		if _, err := tx.Exec(ctx, `UPDATE `+v.table+` SET status = 'superseded' WHERE status = 'published'
			AND service_id = (SELECT service_id FROM `+v.table+` WHERE id = $1)`, id); err != nil {
			return "", "", err
		}
	} else if strings.TrimSpace(comment) == "" {
		return "", "", ErrNeedComment
	}
	_, err = tx.Exec(ctx, `UPDATE `+v.table+` SET status = $2, decided_by = $3, decided_at = now(), comment = $4 WHERE id = $1`,
		id, status, by, strings.TrimSpace(comment))
	return status, code, err
}

// ProposeForm saves def as a pending version of the service's form after
// checking it compiles.
func ProposeForm(ctx context.Context, tx pgx.Tx, serviceCode string, def forms.Definition, by uuid.UUID) (*FormVersion, error) {
	if _, err := forms.Compile(def, nil); err != nil {
		return nil, err
	}
	id, ver, err := formTable.propose(ctx, tx, serviceCode, def, by)
	if err != nil {
		return nil, err
	}
	return &FormVersion{ID: id, ServiceCode: serviceCode, Version: ver, Definition: def, Status: "pending", SubmittedBy: &by}, nil
}

// DecideForm publishes (superseding the published version) or returns a
// pending version with a comment.
func DecideForm(ctx context.Context, tx pgx.Tx, id uuid.UUID, publish bool, comment string, by uuid.UUID) (*FormVersion, error) {
	status, code, err := formTable.decide(ctx, tx, id, publish, comment, by)
	if err != nil {
		return nil, err
	}
	return &FormVersion{ID: id, ServiceCode: code, Status: status}, nil
}

func formVersions(ctx context.Context, tx pgx.Tx, q string, args ...any) ([]*FormVersion, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*FormVersion, error) {
		var (
			v   FormVersion
			raw []byte
		)
		err := r.Scan(&v.ID, &v.ServiceCode, &v.Version, &raw, &v.Status, &v.SubmittedBy, &v.Submitter, &v.SubmittedAt, &v.DecidedAt, &v.Comment)
		if err == nil {
			err = json.Unmarshal(raw, &v.Definition)
		}
		return &v, err
	})
}

// FormRoutes mounts the form editor in the workspace:
//
//	GET  /admin/services/{code}/form   versions, the published one's steps, a proposal form  service_revisions:read at its provider
//	POST /admin/services/{code}/form   propose a version          service_revisions:create at its provider
//	POST /admin/forms/{id}/publish     publish                    service_revisions:approve at its provider
//	POST /admin/forms/{id}/return      return with a comment      service_revisions:approve at its provider
func (h *HTTP) FormRoutes(r chi.Router) {
	g := h.Guard
	g.Route(r, http.MethodGet, "/admin/services/{code}/form", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActRead, Scope: catalog.ScopeService}, h.handleFormEdit)
	g.Route(r, http.MethodPost, "/admin/services/{code}/form", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: catalog.ScopeService}, h.handleFormPropose)
	g.Route(r, http.MethodPost, "/admin/forms/{id}/publish", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: versionProvider(formTable)}, h.handleFormDecide(true))
	g.Route(r, http.MethodPost, "/admin/forms/{id}/return", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: versionProvider(formTable)}, h.handleFormDecide(false))
}

// versionProvider is the provider of the service whose version (of a form
// or a rule set) is in the path: decisions on it are checked at it.
func versionProvider(v versioned) access.ScopeFunc {
	return access.ScopeOfRow("id", func(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
		var p uuid.UUID
		err := tx.QueryRow(ctx, `SELECT s.provider_id FROM `+v.table+` f JOIN services s ON s.id = f.service_id WHERE f.id = $1`, id).Scan(&p)
		return p, err
	})
}

// formPreview is a version's steps as a table: the dry run of a form.
type formPreview struct {
	Version  *FormVersion
	Sections []previewSection
}

type previewSection struct {
	Title  string
	Fields []previewField
}

type previewField struct {
	Name, Label, Type, Autofill string
	Required                    bool
}

func preview(v *FormVersion, lang string) formPreview {
	p := formPreview{Version: v}
	f, err := forms.Compile(v.Definition, nil)
	if err != nil {
		return p
	}
	for _, s := range f.Sections() {
		ps := previewSection{Title: s.Title.In(lang)}
		for _, fl := range s.Fields {
			prop := f.Property(fl.Name)
			typ := prop.Type
			if prop.Format != "" {
				typ += " (" + prop.Format + ")"
			}
			if len(prop.Options) > 0 {
				typ = strings.Join(prop.Options, " | ")
			}
			ps.Fields = append(ps.Fields, previewField{Name: fl.Name, Label: fl.Label.In(lang), Type: typ, Autofill: fl.Autofill, Required: prop.Required})
		}
		p.Sections = append(p.Sections, ps)
	}
	return p
}

type formEditData struct {
	Code      string
	Versions  []*FormVersion
	Published *formPreview
	Pending   []formPreview
	Draft     string
	Error     string
	Flash     string
}

func (h *HTTP) formEditData(ctx context.Context, code, lang string) (formEditData, error) {
	d := formEditData{Code: code}
	err := h.Svc.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		d.Versions, err = formVersions(ctx, tx, `SELECT f.id, s.code, f.version, f.definition, f.status, f.submitted_by, coalesce(a.full_name, ''),
			f.submitted_at, f.decided_at, f.comment FROM service_forms f JOIN services s ON s.id = f.service_id
			LEFT JOIN accounts a ON a.id = f.submitted_by WHERE s.code = $1 ORDER BY f.version DESC`, code)
		return err
	})
	for _, v := range d.Versions {
		switch v.Status {
		case "published":
			p := preview(v, lang)
			d.Published = &p
			if d.Draft == "" {
				d.Draft = indentJSON(v.Definition)
			}
		case "pending":
			d.Pending = append(d.Pending, preview(v, lang))
		}
	}
	if d.Draft == "" {
		d.Draft = indentJSON(forms.Definition{Schema: json.RawMessage(`{"type": "object", "required": [], "properties": {}}`)})
	}
	return d, err
}

func indentJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	return b.String()
}

func (h *HTTP) handleFormEdit(w http.ResponseWriter, r *http.Request) {
	l := h.RD.Localizer(r)
	d, err := h.formEditData(r.Context(), chi.URLParam(r, "code"), l.Lang)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if done := r.URL.Query().Get("done"); done != "" {
		d.Flash = l.T("formedit.done_" + done)
	}
	h.RD.Render(w, r, http.StatusOK, "applications/form_edit", &web.Page{TitleKey: "formedit.title", Data: d})
}

func (h *HTTP) actor(r *http.Request) uuid.UUID {
	s, _ := h.Guard.Subject(r)
	return s.AccountID
}

func (h *HTTP) handleFormPropose(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	raw := r.FormValue("definition")
	var def forms.Definition
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&def)
	if err == nil {
		err = h.Svc.DB.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
			_, err := ProposeForm(ctx, tx, code, def, h.actor(r))
			return err
		})
	} else {
		err = ErrFormInvalid.Wrap(err)
	}
	if err != nil {
		e := apperr.As(err)
		if e == nil || e.Code != apperr.Invalid {
			h.RD.Error(w, r, err)
			return
		}
		l := h.RD.Localizer(r)
		d, derr := h.formEditData(r.Context(), code, l.Lang)
		if derr != nil {
			h.RD.Error(w, r, derr)
			return
		}
		d.Draft = raw
		d.Error = l.Message(e.Key, e.Args) + " " + causeOf(err)
		h.RD.Render(w, r, http.StatusUnprocessableEntity, "applications/form_edit", &web.Page{TitleKey: "formedit.title", Data: d})
		return
	}
	http.Redirect(w, r, "/admin/services/"+code+"/form?done=proposed", http.StatusSeeOther)
}

// causeOf is the technical detail of a definition's problem (which field,
// which keyword), for the staff who write form definitions.
func causeOf(err error) string {
	if u := errors.Unwrap(err); u != nil {
		return "(" + u.Error() + ")"
	}
	return ""
}

func (h *HTTP) handleFormDecide(publish bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			h.RD.Error(w, r, ErrFormNotFound)
			return
		}
		var v *FormVersion
		err = h.Svc.DB.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
			var err error
			v, err = DecideForm(ctx, tx, id, publish, r.FormValue("comment"), h.actor(r))
			return err
		})
		if err != nil {
			h.RD.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/services/"+v.ServiceCode+"/form?done="+v.Status, http.StatusSeeOther)
	}
}
