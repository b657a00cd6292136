package applications

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/forms"
	"hromada/web"
)

// The form editor: a service's form versions, the published one's steps
// as a dry run, proposals and decisions (see formedit.go).

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
	var err error
	d.Versions, err = h.Svc.FormVersions(ctx, code)
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

func (h *HTTP) handleFormPropose(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	raw := r.FormValue("definition")
	var def forms.Definition
	err := decodeStrict(raw, &def)
	if err == nil {
		_, err = h.Svc.ProposeForm(r.Context(), code, def)
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
		v, err := h.Svc.DecideForm(r.Context(), id, publish, r.FormValue("comment"))
		if err != nil {
			h.RD.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/services/"+v.ServiceCode+"/form?done="+v.Status, http.StatusSeeOther)
	}
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
