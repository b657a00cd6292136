package catalog

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/tenant"
	"hromada/web"
)

// The console's pages of the register beside its services (changes.go):
// providers, centres and life situations, proposed, published or returned.

// registerKind is what differs between the pages of one kind.
type registerKind struct {
	kind string // KindProvider, KindCentre, KindLifeSituation
	path string // under /admin/register/
	// propose is the permission to propose a change of an existing one;
	// create, of a new one.
	propose, create access.Perm
}

var registerKinds = []registerKind{
	{kind: KindProvider, path: "providers",
		propose: access.Perm{Object: access.ObjProviders, Action: access.ActUpdate, Scope: access.ScopeOfRow("key", providerSelf)},
		create:  access.Perm{Object: access.ObjProviders, Action: access.ActCreate}},
	{kind: KindCentre, path: "centres",
		propose: access.Perm{Object: access.ObjServices, Action: access.ActCreate},
		create:  access.Perm{Object: access.ObjServices, Action: access.ActCreate}},
	{kind: KindLifeSituation, path: "life-situations",
		propose: access.Perm{Object: access.ObjServices, Action: access.ActCreate},
		create:  access.Perm{Object: access.ObjServices, Action: access.ActCreate}},
}

// registerRoutes mounts the console's register pages (see Routes).
func (s *Site) registerRoutes(r chi.Router, g *access.Guard) {
	g.Route(r, http.MethodGet, "/admin/register", access.Perm{Object: access.ObjServices, Action: access.ActRead}, s.handleRegister)
	for _, k := range registerKinds {
		base := "/admin/register/" + k.path
		g.Route(r, http.MethodGet, base+"/new", k.create, s.handleChangeForm(k, true))
		g.Route(r, http.MethodPost, base+"/new", k.create, s.handleChangePost(k, true, false))
		g.Route(r, http.MethodGet, base+"/{key}", k.propose, s.handleChangeForm(k, false))
		g.Route(r, http.MethodPost, base+"/{key}", k.propose, s.handleChangePost(k, false, false))
		g.Route(r, http.MethodPost, base+"/{key}/retire", k.propose, s.handleChangePost(k, false, true))
	}
	approve := access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: access.ScopeOfRow("id", changeProvider)}
	g.Route(r, http.MethodPost, "/admin/register/changes/{id}/publish", approve, s.handleChangeDecide(true))
	g.Route(r, http.MethodPost, "/admin/register/changes/{id}/return", approve, s.handleChangeDecide(false))
}

type registerData struct {
	*RegisterAdmin
	Lists []registerList
	Today time.Time
	Flash string
}

// registerList is one kind's list on the console's register page.
type registerList struct {
	Path  string
	Items []Listed
	ByID  bool // its pages are by id (providers), not by code
}

func (s *Site) handleRegister(w http.ResponseWriter, r *http.Request) {
	ra, err := s.svc.Register(r.Context())
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	d := registerData{RegisterAdmin: ra, Today: s.svc.now().In(tenant.Zone), Lists: []registerList{
		{Path: "providers", Items: ra.Providers, ByID: true}, {Path: "centres", Items: ra.Centres}, {Path: "life-situations", Items: ra.LifeSituations}}}
	if k := r.URL.Query().Get("done"); k == "proposed" || k == "published" || k == "returned" {
		d.Flash = s.rd.Localizer(r).T("register.done_" + k)
	}
	s.rd.Render(w, r, http.StatusOK, "admin/register", &web.Page{TitleKey: "register.title", Data: d})
}

// code is the code of the entity a request is about: the path's for a
// centre or a life situation, the provider's with the path's id.
func (s *Site) code(r *http.Request, k registerKind) (string, error) {
	key := chi.URLParam(r, "key")
	if k.kind != KindProvider {
		return key, nil
	}
	id, err := uuid.Parse(key)
	if err != nil {
		return "", ErrNoEntity
	}
	return s.svc.ProviderCode(r.Context(), id)
}

// changeData is a change's form: what was typed (or what is published),
// its problems by field, and the choices it offers.
type changeData struct {
	Kind, Path, Key string
	New             bool
	Form            url.Values
	Errors          map[string]string
	Editing         *Editing
	CentreKinds     []string
	Responsible     []Responsible
	Flash           string
}

func (s *Site) renderChange(w http.ResponseWriter, r *http.Request, status int, k registerKind, d changeData) {
	var err error
	code := d.Form.Get("code")
	if d.New {
		code = ""
	}
	if d.Editing, err = s.svc.Editing(r.Context(), k.kind, code); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	d.Kind, d.Path, d.Key, d.CentreKinds = k.kind, k.path, chi.URLParam(r, "key"), CentreKinds
	d.Responsible = responsibleRows(d.Form)
	title := "register.edit_" + k.kind
	if d.New {
		title = "register.new_" + k.kind
	}
	s.rd.Render(w, r, status, "admin/register_edit", &web.Page{TitleKey: title, Data: d})
}

func (s *Site) handleChangeForm(k registerKind, isNew bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		form := url.Values{}
		if !isNew {
			code, err := s.code(r, k)
			if err != nil {
				s.rd.Error(w, r, err)
				return
			}
			ed, err := s.svc.Editing(r.Context(), k.kind, code)
			if err != nil {
				s.rd.Error(w, r, err)
				return
			}
			form = formValues(ed.Entity)
			form.Set("code", code)
		} else if k.kind == KindCentre {
			form.Set("kind", "centre")
		}
		form.Set("basis_date", s.svc.now().In(tenant.Zone).Format("2006-01-02"))
		d := changeData{New: isNew, Form: form}
		if r.URL.Query().Get("done") == "proposed" {
			d.Flash = s.rd.Localizer(r).T("register.done_proposed")
		}
		s.renderChange(w, r, http.StatusOK, k, d)
	}
}

// handleChangePost proposes a new entity (isNew), a change of one, or its
// retirement (retire).
func (s *Site) handleChangePost(k registerKind, isNew, retire bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.rd.Error(w, r, err)
			return
		}
		form := r.PostForm
		code := strings.ToUpper(strings.TrimSpace(form.Get("code")))
		if !isNew {
			var err error
			if code, err = s.code(r, k); err != nil {
				s.rd.Error(w, r, err)
				return
			}
		}
		form.Set("code", code)
		basis, _ := time.ParseInLocation("2006-01-02", form.Get("basis_date"), tenant.Zone)
		ch := &Change{Kind: k.kind, Code: code, Retire: retire, Decision: Decision{BasisDate: basis}}
		var formErrs FieldErrors
		if retire {
			ed, err := s.svc.Editing(r.Context(), k.kind, code)
			if err != nil {
				s.rd.Error(w, r, err)
				return
			}
			ch.Entity = ed.Entity
		} else {
			ch.Entity, formErrs = readEntity(k.kind, form)
		}
		errs, err := s.svc.ProposeChange(r.Context(), ch, formErrs, isNew, actorOf(r))
		if errors.Is(err, ErrRevisionInvalid) {
			l := s.rd.Localizer(r)
			msgs := map[string]string{}
			for field, fe := range errs {
				msgs[field] = l.Message(fe.Key, fe.Args)
			}
			s.renderChange(w, r, http.StatusBadRequest, k, changeData{New: isNew, Form: form, Errors: msgs})
			return
		}
		if err != nil {
			s.rd.Error(w, r, err)
			return
		}
		// Back to the entry's page, where its changes are, for whoever
		// may propose one (a provider's staff may see no other page of the
		// register); a new one has none yet.
		to := "/admin/register?done=proposed#changes"
		if !isNew {
			to = "/admin/register/" + k.path + "/" + chi.URLParam(r, "key") + "?done=proposed#history-title"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

func (s *Site) handleChangeDecide(publishIt bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.rd.Error(w, r, err)
			return
		}
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			s.rd.Error(w, r, ErrRevisionNotFound)
			return
		}
		if _, err := s.svc.DecideChange(r.Context(), id, publishIt, strings.TrimSpace(r.PostForm.Get("comment")), actorOf(r)); err != nil {
			s.rd.Error(w, r, err)
			return
		}
		done := map[bool]string{true: "published", false: "returned"}[publishIt]
		http.Redirect(w, r, "/admin/register?done="+done+"#changes", http.StatusSeeOther)
	}
}
