package applications

import (
	"context"
	"encoding/json"
	"net/http"
	"unicode/utf8"

	"hromada/apperr"
	"hromada/modules/forms"
	"hromada/web"
)

// The address picker's side of the steps: the settlements of the
// codifier by name (the combobox's list, public like the codifier
// itself), what a step's settlement fields show, and the messages that
// name each field.

// places is the codifier the settlement fields pick from, one per HTTP
// (it keeps the places it has read).
func (h *HTTP) places() *forms.Codifier {
	h.placesOnce.Do(func() { h.codifier = forms.NewCodifier(h.Svc.DB) })
	return h.codifier
}

type placeJSON struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// handlePlaces answers the combobox: GET /places?q=Бров.
func (h *HTTP) handlePlaces(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	out := []placeJSON{}
	if n := utf8.RuneCountInString(q); n >= 2 && n <= 100 {
		found, err := h.places().Search(r.Context(), q, 10)
		if err != nil {
			h.RD.Error(w, r, err)
			return
		}
		for _, s := range found {
			out = append(out, placeJSON{Code: s.Code, Label: s.Label()})
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600") // the codifier changes with a release
	_ = json.NewEncoder(w).Encode(out)
}

// shownPicks is what the settlement fields of step show when no post
// says otherwise: the place of the code kept in the draft.
func (h *HTTP) shownPicks(ctx context.Context, f *forms.Form, step int, data map[string]any) (map[string]forms.Pick, error) {
	var codes []string
	for _, fl := range f.Sections()[step].Fields {
		if c, ok := data[fl.Name].(string); ok && fl.Widget == forms.WidgetSettlement {
			codes = append(codes, c)
		}
	}
	got, err := h.places().Get(ctx, codes)
	out := map[string]forms.Pick{}
	for _, fl := range f.Sections()[step].Fields {
		if c, ok := data[fl.Name].(string); ok {
			if s, ok := got[c]; ok {
				out[fl.Name] = forms.Pick{Typed: s.Label()}
			}
		}
	}
	return out, err
}

// pickErrors adds the settlement fields' own problems (an unknown name,
// several places of one name) to errs, in place of the schema's.
func pickErrors(errs forms.Errors, picks map[string]forms.Pick) forms.Errors {
	if errs == nil {
		errs = forms.Errors{}
	}
	for name, p := range picks {
		if p.Problem != "" {
			errs[name] = apperr.New(apperr.Invalid, p.Problem).With(map[string]any{"Typed": p.Typed})
		}
	}
	return errs
}

// fieldMessage is a field's error in words that name the field, as the
// summary at the top and the message next to the field both say it.
func fieldMessage(l *web.Localizer, key string, args map[string]any, label string) string {
	data := map[string]any{"Field": label}
	for k, v := range args {
		data[k] = v
	}
	return l.Message(key, data)
}

// placesOf is the settlements of data's settlement fields, by code, for
// the pages that show a form's values. The codes are shown as they are
// when the codifier cannot be read (logged): a page of an application
// does not fail for want of a place's name.
func (h *HTTP) placesOf(ctx context.Context, f *forms.Form, data map[string]any) map[string]forms.Settlement {
	var codes []string
	for _, s := range f.Sections() {
		for _, fl := range s.Fields {
			if c, ok := data[fl.Name].(string); ok && fl.Widget == forms.WidgetSettlement {
				codes = append(codes, c)
			}
		}
	}
	got, err := h.places().Get(ctx, codes)
	if err != nil {
		h.Svc.log().ErrorContext(ctx, "applications: settlements' names", "err", err)
	}
	return got
}
