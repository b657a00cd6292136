package appeals

import (
	"errors"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/identity"
	"hromada/web"
)

// The resident's pages: the filing form (the law's refusal for an
// anonymous visitor), the confirmation with its number, the cabinet's
// list and one appeal with its thread, the reply and the rating.

// newData is the filing form: what was typed (kept whatever failed), the
// field errors as messages, and the city's lists.
type newData struct {
	Signed      bool
	Form        Filing
	Errors      map[string]string
	Error       string // a refusal of the whole appeal (repeated: with its link)
	Repeated    string // the earlier appeal's id, for a repeated one
	Categories  []Category
	Districts   []District
	Kinds       []Kind
	Application string
	// About is the answered appeal a complaint is about (its id and number).
	About       string
	AboutNumber string
	// Tiles is the map's tile source (HROMADA_MAP_TILES), "" for none;
	// Centre the map's first view, "lat,lon".
	Tiles, Centre string
}

func (h *HTTP) handleNew(w http.ResponseWriter, r *http.Request) {
	d := newData{Form: Filing{Kind: Statement, Key: uuid.NewString()}}
	if app, err := uuid.Parse(r.URL.Query().Get("application")); err == nil {
		d.Form.Kind, d.Form.Application = Complaint, &app
	}
	if id, err := uuid.Parse(r.URL.Query().Get("appeal")); err == nil && identity.SignedFrom(r.Context()) != nil {
		// A complaint about the answer to the resident's own appeal: in
		// its category, at its place, as the form's starting point.
		if c, err := h.Svc.Own(r.Context(), id); err == nil && c.Appeal.Status == Answered {
			a := c.Appeal
			d.Form.Kind, d.Form.Appeal, d.Form.Category, d.Form.Address, d.Form.District = Complaint, &a.ID, a.CategoryCode, a.Address, a.District
			if a.Lat != nil {
				d.Form.Lat, d.Form.Lon = strconv.FormatFloat(*a.Lat, 'f', -1, 64), strconv.FormatFloat(*a.Lon, 'f', -1, 64)
			}
		}
	}
	h.renderNew(w, r, http.StatusOK, d)
}

func (h *HTTP) renderNew(w http.ResponseWriter, r *http.Request, status int, d newData) {
	d.Signed = identity.SignedFrom(r.Context()) != nil
	if !d.Signed {
		// Art. 8: an anonymous appeal is not considered; the page says so
		// and offers the sign-in that gives the law's name and address.
		h.RD.Render(w, r, http.StatusOK, "appeals/new", &web.Page{TitleKey: "appeals.new_title", Data: d})
		return
	}
	lists, err := h.Svc.Lists(r.Context())
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	d.Categories, d.Districts, d.Kinds = lists.Categories, lists.Districts, Kinds
	if d.Form.Application != nil {
		d.Application = d.Form.Application.String()
	}
	if d.Form.Appeal != nil {
		// Not the resident's own (the refusal says so above the form): the
		// form goes on without the link.
		if c, err := h.Svc.Own(r.Context(), *d.Form.Appeal); err == nil {
			d.About, d.AboutNumber = c.Appeal.ID.String(), c.Appeal.Number
		}
	}
	d.Tiles, d.Centre = h.Tiles, lists.Centre
	h.RD.Render(w, r, status, "appeals/new", &web.Page{TitleKey: "appeals.new_title", Data: d})
}

func (h *HTTP) handleFile(w http.ResponseWriter, r *http.Request) {
	f := Filing{Kind: Kind(r.FormValue("kind")), Category: r.FormValue("category"), Body: r.FormValue("body"), Address: r.FormValue("address"),
		Lat: r.FormValue("lat"), Lon: r.FormValue("lon"), District: r.FormValue("district"), Public: r.FormValue("public") == "1", Key: r.FormValue("key")}
	if app, err := uuid.Parse(r.FormValue("application")); err == nil {
		f.Application = &app
	}
	if id, err := uuid.Parse(r.FormValue("appeal")); err == nil {
		f.Appeal = &id
	}
	var attach []Upload
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			file, err := fh.Open()
			if err != nil {
				h.RD.Error(w, r, err)
				return
			}
			defer func(f multipart.File) { _ = f.Close() }(file)
			attach = append(attach, Upload{Name: fh.Filename, R: file})
		}
	}
	a, errs, err := h.Svc.File(r.Context(), f, attach)
	d := newData{Form: f}
	switch {
	case errors.Is(err, ErrRepeated):
		d.Error = h.shown(r, err)
		if e := apperr.As(err); e != nil {
			d.Repeated, _ = e.Args["ID"].(string)
		}
		h.renderNew(w, r, http.StatusConflict, d)
		return
	case err != nil && h.shown(r, err) != "":
		d.Error = h.shown(r, err)
		h.renderNew(w, r, http.StatusUnprocessableEntity, d)
		return
	case err != nil:
		h.RD.Error(w, r, err)
		return
	case len(errs) > 0:
		l := h.RD.Localizer(r)
		d.Errors = map[string]string{}
		for k, v := range errs {
			d.Errors[k] = l.T(v)
		}
		h.renderNew(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	http.Redirect(w, r, "/cabinet/appeals/"+a.ID.String()+"?filed=1", http.StatusSeeOther)
}

// mineData is the resident's list.
type mineData struct {
	Appeals []*Appeal
}

func (h *HTTP) handleMine(w http.ResponseWriter, r *http.Request) {
	list, err := h.Svc.Mine(r.Context())
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	h.RD.Render(w, r, http.StatusOK, "appeals/cabinet", &web.Page{TitleKey: "appeals.mine", Data: mineData{Appeals: list}})
}

// caseData is one appeal's page, for either side.
type caseData struct {
	*Case
	Filed, Done bool
	Error       string
	Staff       bool
	Provider    string
}

func (h *HTTP) handleOwn(w http.ResponseWriter, r *http.Request) {
	h.renderOwn(w, r, http.StatusOK, "")
}

func (h *HTTP) renderOwn(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	c, err := h.Svc.Own(r.Context(), id)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	d := caseData{Case: c, Filed: r.URL.Query().Get("filed") == "1", Done: r.URL.Query().Get("done") == "1", Error: msg}
	h.RD.Render(w, r, status, "appeals/view", &web.Page{TitleKey: "appeals.appeal", Data: d})
}

func (h *HTTP) handleOwnFile(w http.ResponseWriter, r *http.Request) {
	h.file(w, r, true)
}

func (h *HTTP) file(w http.ResponseWriter, r *http.Request, own bool) {
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	fid, err := pathID(r, "file")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	f, b, err := h.Svc.FileOf(r.Context(), id, fid, own)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	web.Download(w, f.Name, f.ContentType, b)
}

// ownAction runs a resident's action and returns to the appeal's page,
// showing a refusal there.
func (h *HTTP) ownAction(w http.ResponseWriter, r *http.Request, act func(id uuid.UUID) error) {
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	if err := act(id); err != nil {
		if msg := h.shown(r, err); msg != "" {
			h.renderOwn(w, r, http.StatusUnprocessableEntity, msg)
			return
		}
		h.RD.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/appeals/"+id.String()+"?done=1", http.StatusSeeOther)
}

func (h *HTTP) handleReply(w http.ResponseWriter, r *http.Request) {
	h.ownAction(w, r, func(id uuid.UUID) error { return h.Svc.Reply(r.Context(), id, r.FormValue("text")) })
}

func (h *HTTP) handleRate(w http.ResponseWriter, r *http.Request) {
	h.ownAction(w, r, func(id uuid.UUID) error {
		n, _ := strconv.Atoi(r.FormValue("rating"))
		return h.Svc.Rate(r.Context(), id, n)
	})
}
