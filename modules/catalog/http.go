package catalog

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"hromada/modules/access"
	"hromada/web"
)

// Site is the register's web pages: the public ones, open information
// without sign-in (seed 003 §7.2), and the editor's, for provider staff and
// the administrator (seed 003 §7.3–7.6). Its handlers parse, call the
// Service and render; they open no transaction.
type Site struct {
	svc *Service
	rd  *web.Renderer
}

// NewSite returns the register's pages over svc.
func NewSite(svc *Service, rd *web.Renderer) *Site { return &Site{svc: svc, rd: rd} }

// Routes mounts the register's pages, the public ones marked public where
// they are mounted and the editor's behind g:
//
//	GET /                          home: search, life situations, services, centres
//	GET /search?q=&situation=&category=&provider=&page=
//	GET /services/{code}           a service's card
//	GET /providers/{code}          a provider and its services
//	GET /centres, /centres/{code}  the centres (ЦНАП) and one of them
//	GET /api/v1/search             the same as JSON
//	GET /api/v1/services/{code}
//	GET /api/v1/services           the published services, a page of them
//	GET /api/v1/providers
//	GET /api/v1/life-situations
//	GET /api/v1/centres
//	GET /opendata/services.json, /opendata/services.csv   the register as open data
//	GET /opendata/register.zip     both and a README of the fields, one bundle
//
// and the editor's (editor.go):
//
//	GET  /admin/services                    services (?provider=)        services:read
//	GET  /admin/services/{code}/edit        the revision form            service_revisions:create at its provider
//	POST /admin/services/{code}/revisions   propose                      service_revisions:create at its provider
//	GET  /admin/services/new                a new service's form         service_revisions:create at ?provider=
//	POST /admin/services/new                create and propose           service_revisions:create at the form's provider
//	GET  /admin/revisions                   revisions (?provider=, ?service= for one service's history)  service_revisions:read
//	POST /admin/revisions/{id}/publish      publish                      service_revisions:approve at its provider
//	POST /admin/revisions/{id}/return       return with a comment        service_revisions:approve at its provider
//	GET  /admin/import                      a register's import (http_import.go)  services:create
//	POST /admin/import/check                its dry run (multipart: file)         services:create
//	POST /admin/import/apply                apply it                              services:create
//	POST /admin/import/publish              publish its revisions in bulk         service_revisions:approve
//	GET  /admin/holidays                    the city's days off          tenant_settings:read
//	POST /admin/holidays                    add or remove a day          tenant_settings:update
//
// and the rest of the register (http_register.go), each change proposed
// and then published or returned as services' are:
//
//	GET  /admin/register                    providers, centres, life situations and their changes  services:read
//	GET  /admin/register/providers/new      a new provider's form        providers:create
//	POST /admin/register/providers/new      propose it                   providers:create
//	GET  /admin/register/providers/{key}    a provider's form (key: id)  providers:update at it
//	POST /admin/register/providers/{key}    propose a change             providers:update at it
//	POST /admin/register/providers/{key}/retire  propose its retirement  providers:update at it
//	…/centres/…, …/life-situations/…        the same (key: code)         services:create
//	POST /admin/register/changes/{id}/publish  publish a change          service_revisions:approve (at a provider's)
//	POST /admin/register/changes/{id}/return   return it with a comment  service_revisions:approve (at a provider's)
func (s *Site) Routes(r chi.Router, g *access.Guard) {
	get := http.MethodGet
	g.Public(r, get, "/", s.handleHome)
	g.Public(r, get, "/search", s.handleSearch)
	g.Public(r, get, "/services/{code}", s.handleService)
	g.Public(r, get, "/providers/{code}", s.handleProvider)
	g.Public(r, get, "/centres", s.handleCentres)
	g.Public(r, get, "/centres/{code}", s.handleCentre)
	g.Public(r, get, "/api/v1/search", s.apiSearch)
	g.Public(r, get, "/api/v1/services/{code}", s.apiService)
	g.Public(r, get, "/api/v1/services", s.apiServices)
	g.Public(r, get, "/api/v1/providers", s.apiProviders)
	g.Public(r, get, "/api/v1/life-situations", s.apiLifeSituations)
	g.Public(r, get, "/api/v1/centres", s.apiCentres)
	g.Public(r, get, "/opendata/services.json", s.openJSON)
	g.Public(r, get, "/opendata/services.csv", s.openCSV)
	g.Public(r, get, "/opendata/register.zip", s.openZIP)

	g.Route(r, get, "/admin/services", access.Perm{Object: access.ObjServices, Action: access.ActRead, Scope: access.ScopeQuery}, s.handleServices)
	g.Route(r, get, "/admin/services/{code}/edit", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: ScopeService}, s.handleEdit)
	g.Route(r, http.MethodPost, "/admin/services/{code}/revisions", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: ScopeService}, s.handlePropose)
	g.Route(r, get, "/admin/services/new", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: access.ScopeQuery}, s.handleNew)
	g.Route(r, http.MethodPost, "/admin/services/new", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: access.ScopeForm}, s.handleCreate)
	g.Route(r, get, "/admin/revisions", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActRead, Scope: access.ScopeQuery}, s.handleRevisions)
	g.Route(r, http.MethodPost, "/admin/revisions/{id}/publish", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: access.ScopeOfRow("id", revisionProvider)}, s.handleDecide(true))
	g.Route(r, http.MethodPost, "/admin/revisions/{id}/return", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: access.ScopeOfRow("id", revisionProvider)}, s.handleDecide(false))
	g.Route(r, get, "/admin/import", access.Perm{Object: access.ObjServices, Action: access.ActCreate}, s.handleImport)
	g.Route(r, http.MethodPost, "/admin/import/check", access.Perm{Object: access.ObjServices, Action: access.ActCreate}, s.handleImportCheck)
	g.Route(r, http.MethodPost, "/admin/import/apply", access.Perm{Object: access.ObjServices, Action: access.ActCreate}, s.handleImportApply)
	g.Route(r, http.MethodPost, "/admin/import/publish", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove}, s.handleImportPublish)
	g.Route(r, get, "/admin/holidays", access.Perm{Object: access.ObjTenantSettings, Action: access.ActRead}, s.handleHolidays)
	g.Route(r, http.MethodPost, "/admin/holidays", access.Perm{Object: access.ObjTenantSettings, Action: access.ActUpdate}, s.handleHolidaysPost)
	s.registerRoutes(r, g)
}

func (s *Site) handleHome(w http.ResponseWriter, r *http.Request) {
	home, err := s.svc.Home(r.Context())
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.rd.Render(w, r, http.StatusOK, "home", &web.Page{TitleKey: "home.title", Data: home})
}

func readQuery(r *http.Request) Query {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	return Query{Text: q.Get("q"), LifeSituation: q.Get("situation"), Category: q.Get("category"), Provider: q.Get("provider"),
		Online: q.Get("online") != "", Limit: 20, Offset: (page - 1) * 20}
}

type searchData struct {
	Query          Query
	Hits           []Hit
	Total          int
	LifeSituations []LifeSituation
	Categories     []string
	Providers      []Provider
	// PrevPage and NextPage are the neighbouring pages, 0 when there is none.
	PrevPage, NextPage int
	// Params is the query string without the page, for the page links.
	Params string
}

func (s *Site) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := readQuery(r)
	res, err := s.svc.SearchPage(r.Context(), q)
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	d := searchData{Query: q, Hits: res.Hits, Total: res.Total, LifeSituations: res.LifeSituations, Categories: res.Categories, Providers: res.Providers}
	page := q.Offset/q.Limit + 1
	if page > 1 {
		d.PrevPage = page - 1
	}
	if q.Offset+q.Limit < d.Total {
		d.NextPage = page + 1
	}
	params := r.URL.Query()
	params.Del("page")
	d.Params = params.Encode()
	s.rd.Render(w, r, http.StatusOK, "catalog/search", &web.Page{TitleKey: "catalog.search_title", Data: d})
}

func (s *Site) handleService(w http.ResponseWriter, r *http.Request) {
	p, err := s.svc.Page(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	if s.svc.views != nil {
		s.svc.views.CardViewed(r.Context(), p.ID)
	}
	s.rd.Render(w, r, http.StatusOK, "catalog/service", &web.Page{TitleKey: "catalog.service_title",
		Title: p.Content.Name.In(web.PrefsFrom(r).Lang), Data: p})
}

// writeJSON answers with v as JSON; errors as RFC 9457 problem details
// (the contract of modules/cityapi/openapi.json).
func (s *Site) writeJSON(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.rd.Problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_ = json.NewEncoder(w).Encode(v)
}

// apiHit is a search hit in the API: no HTML.
type apiHit struct {
	Code    string  `json:"code"`
	Name    Text    `json:"name"`
	Summary Text    `json:"summary"`
	Rank    float64 `json:"rank"`
	URL     string  `json:"url"`
	// Online says the service can be applied for online on the portal.
	Online bool `json:"online"`
}

func (s *Site) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := readQuery(r)
	d, err := s.svc.Search(r.Context(), q)
	if err != nil {
		s.writeJSON(w, r, nil, err)
		return
	}
	out := struct {
		Total  int      `json:"total"`
		Offset int      `json:"offset"`
		Limit  int      `json:"limit"`
		Items  []apiHit `json:"items"`
	}{Total: d.Total, Offset: q.Offset, Limit: q.Limit, Items: []apiHit{}}
	for _, h := range d.Hits {
		out.Items = append(out.Items, apiHit{Code: h.Code, Name: h.Content.Name, Summary: h.Content.Summary, Rank: h.Rank, URL: "/services/" + h.Code, Online: h.Online})
	}
	s.writeJSON(w, r, out, nil)
}

func (s *Site) apiService(w http.ResponseWriter, r *http.Request) {
	p, err := s.svc.Page(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		s.writeJSON(w, r, nil, err)
		return
	}
	s.writeJSON(w, r, struct {
		Content
		Provider Provider `json:"provider"`
	}{p.Content, p.Provider}, nil)
}

func (s *Site) apiLifeSituations(w http.ResponseWriter, r *http.Request) {
	out, err := s.svc.LifeSituations(r.Context())
	s.writeJSON(w, r, nonNil(out), err)
}

func (s *Site) apiCentres(w http.ResponseWriter, r *http.Request) {
	out, err := s.svc.Centres(r.Context())
	s.writeJSON(w, r, nonNil(out), err)
}
