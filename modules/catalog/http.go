package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
	"hromada/web"
)

// Site is the public side of the register: open information, no sign-in
// (seed 003 §7.2).
type Site struct {
	db *tenant.DB
	rd *web.Renderer
	// HasForm, when set, says whether a service can be applied for online
	// (modules/applications keeps the forms; the root wires it).
	HasForm func(ctx context.Context, tx pgx.Tx, serviceID uuid.UUID) (bool, error)
}

// NewSite returns the public register.
func NewSite(db *tenant.DB, rd *web.Renderer) *Site { return &Site{db: db, rd: rd} }

// PublicRoutes are the routes Routes mounts; all are public.
var PublicRoutes = []string{
	"GET /", "GET /search", "GET /services/{code}",
	"GET /api/v1/search", "GET /api/v1/services/{code}", "GET /api/v1/life-situations", "GET /api/v1/centres",
}

// Routes mounts the public register:
//
//	GET /                          home: search, life situations, services, centres
//	GET /search?q=&situation=&category=&provider=&page=
//	GET /services/{code}           a service's card
//	GET /api/v1/search             the same as JSON
//	GET /api/v1/services/{code}
//	GET /api/v1/life-situations
//	GET /api/v1/centres
func (s *Site) Routes(r chi.Router) {
	r.Get("/", s.handleHome)
	r.Get("/search", s.handleSearch)
	r.Get("/services/{code}", s.handleService)
	r.Get("/api/v1/search", s.apiSearch)
	r.Get("/api/v1/services/{code}", s.apiService)
	r.Get("/api/v1/life-situations", s.apiLifeSituations)
	r.Get("/api/v1/centres", s.apiCentres)
}

// ErrNotFound is a service code with no published service.
var ErrNotFound = apperr.New(apperr.NotFound, "error.service_not_found")

type homeData struct {
	LifeSituations []LifeSituation
	Services       []Hit
	Centres        []Centre
}

func (s *Site) handleHome(w http.ResponseWriter, r *http.Request) {
	var d homeData
	err := s.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if d.LifeSituations, err = LifeSituations(ctx, tx); err != nil {
			return err
		}
		if d.Services, _, err = Search(ctx, tx, Query{Limit: 8}); err != nil {
			return err
		}
		d.Centres, err = Centres(ctx, tx)
		return err
	})
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.rd.Render(w, r, http.StatusOK, "home", &web.Page{TitleKey: "home.title", Data: d})
}

func readQuery(r *http.Request) Query {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	return Query{Text: q.Get("q"), LifeSituation: q.Get("situation"), Category: q.Get("category"), Provider: q.Get("provider"),
		Limit: 20, Offset: (page - 1) * 20}
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

// search runs q; with page it also reads what the search page offers
// beside the hits (filters), which the API does not need.
func (s *Site) search(ctx context.Context, q Query, page bool) (searchData, error) {
	d := searchData{Query: q}
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if d.Hits, d.Total, err = Search(ctx, tx, q); err != nil || !page {
			return err
		}
		if d.Categories, err = Categories(ctx, tx); err != nil {
			return err
		}
		if d.Providers, err = Providers(ctx, tx); err != nil {
			return err
		}
		d.LifeSituations, err = LifeSituations(ctx, tx)
		return err
	})
	return d, err
}

func (s *Site) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := readQuery(r)
	d, err := s.search(r.Context(), q, true)
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
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

func (s *Site) page(ctx context.Context, code string) (*Page, error) {
	var p *Page
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if p, err = ServiceByCode(ctx, tx, code); err != nil || s.HasForm == nil {
			return err
		}
		p.OnlineForm, err = s.HasForm(ctx, tx, p.ID)
		return err
	})
	if errors.Is(err, ErrNoService) {
		return nil, ErrNotFound
	}
	return p, err
}

func (s *Site) handleService(w http.ResponseWriter, r *http.Request) {
	p, err := s.page(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.rd.Render(w, r, http.StatusOK, "catalog/service", &web.Page{TitleKey: "catalog.service_title",
		Title: p.Content.Name.In(web.PrefsFrom(r).Lang), Data: p})
}

// writeJSON answers with v as JSON; errors as {"error": code, "message": text}.
func (s *Site) writeJSON(w http.ResponseWriter, r *http.Request, v any, err error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err != nil {
		e := apperr.As(err)
		w.WriteHeader(apperr.Status(e.Code))
		_ = json.NewEncoder(w).Encode(map[string]string{"error": string(e.Code), "message": s.rd.Localizer(r).Message(e.Key, e.Args)})
		return
	}
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
}

func (s *Site) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := readQuery(r)
	d, err := s.search(r.Context(), q, false)
	out := struct {
		Total  int      `json:"total"`
		Offset int      `json:"offset"`
		Limit  int      `json:"limit"`
		Items  []apiHit `json:"items"`
	}{Total: d.Total, Offset: q.Offset, Limit: q.Limit, Items: []apiHit{}}
	for _, h := range d.Hits {
		out.Items = append(out.Items, apiHit{Code: h.Code, Name: h.Content.Name, Summary: h.Content.Summary, Rank: h.Rank, URL: "/services/" + h.Code})
	}
	s.writeJSON(w, r, out, err)
}

func (s *Site) apiService(w http.ResponseWriter, r *http.Request) {
	p, err := s.page(r.Context(), chi.URLParam(r, "code"))
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
	var out []LifeSituation
	err := s.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = LifeSituations(ctx, tx)
		return err
	})
	s.writeJSON(w, r, nonNil(out), err)
}

func (s *Site) apiCentres(w http.ResponseWriter, r *http.Request) {
	var out []Centre
	err := s.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = Centres(ctx, tx)
		return err
	})
	s.writeJSON(w, r, nonNil(out), err)
}
