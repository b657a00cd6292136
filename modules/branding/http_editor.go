package branding

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/web"
)

// EditorHTTP is the city's branding editor and its images.
type EditorHTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewEditorHTTP returns the editor's handlers over svc (see Editing).
func NewEditorHTTP(svc *Service, rd *web.Renderer) *EditorHTTP { return &EditorHTTP{svc: svc, rd: rd} }

// Routes mounts the editor and the images:
//
//	GET  /admin/branding          the city's name, colours, contacts, images   tenant_settings:read
//	POST /admin/branding          save the name, colours and contacts          tenant_settings:update
//	POST /admin/branding/images   upload or remove the emblem or favicon       tenant_settings:update
//	GET  /branding/{kind}         the emblem (logo) or favicon                 public
func (h *EditorHTTP) Routes(r chi.Router, g *access.Guard) {
	read := access.Perm{Object: access.ObjTenantSettings, Action: access.ActRead}
	update := access.Perm{Object: access.ObjTenantSettings, Action: access.ActUpdate}
	g.Route(r, http.MethodGet, "/admin/branding", read, h.handleEditor)
	g.Route(r, http.MethodPost, "/admin/branding", update, h.handleSave)
	g.Route(r, http.MethodPost, "/admin/branding/images", update, h.handleImages)
	g.Public(r, http.MethodGet, "/branding/{kind}", h.handleImage)
}

// editorData is what the editor shows.
type editorData struct {
	Form    Form
	Errors  map[string]string
	Summary []Problem
	Checks  []Check
	Logo    string // the emblem's path, if any
	Favicon string
	Saved   string // "branding", "logo", "favicon", "logo_removed"…; empty when nothing was just saved
	Same    bool   // the save changed nothing
	// ImageErrors are the upload's errors by kind.
	ImageErrors map[string]string
}

// Problem is a field's error as the error summary lists it.
type Problem struct{ Field, Message string }

// labels are the fields' message keys; order is the form's order.
var (
	labels = map[string]string{"name_uk": "branding.name_uk", "name_en": "branding.name_en", "tagline_uk": "branding.tagline_uk",
		"tagline_en": "branding.tagline_en", "primary": "branding.primary", "accent": "branding.accent", "phone": "branding.phone",
		"hotline": "branding.hotline", "email": "branding.email", "website": "branding.website", "address_uk": "branding.address_uk",
		"address_en": "branding.address_en", Logo: "branding.logo", Favicon: "branding.favicon"}
	order = []string{"name_uk", "tagline_uk", "primary", "accent", "phone", "hotline", "email", "website", "address_uk", "name_en", "tagline_en", "address_en"}
)

func (h *EditorHTTP) handleEditor(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Current(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	h.render(w, r, http.StatusOK, editorData{Form: FormOf(b), Checks: Checks(b), Logo: b.CoatOfArms, Favicon: b.Favicon,
		Saved: savedKind(q.Get("saved")), Same: q.Get("same") == "1"})
}

// savedKind keeps only the confirmations the page knows.
func savedKind(s string) string {
	switch s {
	case "branding", Logo, Favicon, "logo_removed", "favicon_removed":
		return s
	}
	return ""
}

func (h *EditorHTTP) render(w http.ResponseWriter, r *http.Request, status int, d editorData) {
	h.rd.Render(w, r, status, "admin/branding", &web.Page{TitleKey: "branding.title", Data: d})
}

func (h *EditorHTTP) handleSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	pf := r.PostForm
	f := Form{NameUK: pf.Get("name_uk"), NameEN: pf.Get("name_en"), TaglineUK: pf.Get("tagline_uk"), TaglineEN: pf.Get("tagline_en"),
		Primary: pf.Get("primary"), Accent: pf.Get("accent"), Phone: pf.Get("phone"), Hotline: pf.Get("hotline"),
		Email: pf.Get("email"), Website: pf.Get("website"), AddressUK: pf.Get("address_uk"), AddressEN: pf.Get("address_en")}
	typed := f
	changed, err := h.svc.Save(r.Context(), &f)
	var errs FieldErrors
	switch {
	case err == nil:
		to := "/admin/branding?saved=branding"
		if !changed {
			to += "&same=1"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	case errors.As(err, &errs):
		b, cerr := h.svc.Current(r.Context())
		if cerr != nil {
			h.rd.Error(w, r, cerr)
			return
		}
		l := h.rd.Localizer(r)
		msgs := map[string]string{}
		for field, e := range errs {
			msgs[field] = l.T(labels[field]) + ": " + l.Message(e.Key, e.Args)
		}
		var sum []Problem
		for _, field := range order {
			if m, ok := msgs[field]; ok {
				sum = append(sum, Problem{Field: field, Message: m})
			}
		}
		// What was typed stays, as typed; the contrasts shown are the
		// stored colours' until the new ones are saved.
		h.render(w, r, http.StatusBadRequest, editorData{Form: typed, Errors: msgs, Summary: sum, Checks: Checks(b), Logo: b.CoatOfArms, Favicon: b.Favicon})
	default:
		h.rd.Error(w, r, err)
	}
}

func (h *EditorHTTP) handleImages(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	kind := r.PostForm.Get("kind")
	if _, ok := imageLimits[kind]; !ok {
		h.rd.Error(w, r, ErrNoImage)
		return
	}
	var changed bool
	var err error
	saved := kind
	if r.PostForm.Get("remove") == "1" {
		saved = kind + "_removed"
		changed, err = h.svc.RemoveImage(r.Context(), kind)
	} else {
		file, _, ferr := r.FormFile("file")
		switch {
		case errors.Is(ferr, http.ErrMissingFile):
			err = errNoFile
		case ferr != nil:
			h.rd.Error(w, r, ferr)
			return
		default:
			defer func() { _ = file.Close() }()
			data, rerr := io.ReadAll(io.LimitReader(file, int64(imageLimits[kind].bytes)+1))
			if rerr != nil {
				h.rd.Error(w, r, rerr)
				return
			}
			changed, err = h.svc.SaveImage(r.Context(), kind, data)
		}
	}
	if err == nil {
		to := "/admin/branding?saved=" + saved
		if !changed {
			to += "&same=1"
		}
		http.Redirect(w, r, to+"#images", http.StatusSeeOther)
		return
	}
	// A refused image is told on the page; anything else is an error.
	e := apperr.As(err)
	if e.Code != apperr.Invalid {
		h.rd.Error(w, r, err)
		return
	}
	b, cerr := h.svc.Current(r.Context())
	if cerr != nil {
		h.rd.Error(w, r, cerr)
		return
	}
	l := h.rd.Localizer(r)
	msg := l.T(labels[kind]) + ": " + l.Message(e.Key, e.Args)
	h.render(w, r, http.StatusBadRequest, editorData{Form: FormOf(b), Checks: Checks(b), Logo: b.CoatOfArms, Favicon: b.Favicon,
		ImageErrors: map[string]string{kind: msg}, Summary: []Problem{{Field: "file-" + kind, Message: msg}}})
}

func (h *EditorHTTP) handleImage(w http.ResponseWriter, r *http.Request) {
	img, err := h.svc.Image(r.Context(), chi.URLParam(r, "kind"))
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	etag := `"` + img.SHA256[:32] + `"`
	w.Header().Set("ETag", etag)
	// The pages name the image by a path that changes with it (?v=).
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if strings.Contains(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", img.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(img.Bytes)
}
