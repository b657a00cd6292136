package operator

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/tenant"
	"hromada/web"
)

// Console is the operator console, served on the base domain itself.
type Console struct {
	svc        *Service
	rd         *web.Renderer
	keys       *keyring
	baseDomain string
	oidc       *OIDC // nil: the key only
	jobs       http.Handler
	jobsPrefix string
}

// WithJobs mounts h, the background jobs' UI (modules/jobsui), at prefix
// behind the console's sign-in: only a signed-in operator reaches it.
func (c *Console) WithJobs(prefix string, h http.Handler) *Console {
	c.jobsPrefix, c.jobs = prefix, h
	return c
}

// WithOIDC lets operators sign in through o as well as with the key.
func (c *Console) WithOIDC(o *OIDC) *Console {
	c.oidc = o
	return c
}

// NewConsole returns the console; key is the operator key (empty disables
// sign-in).
func NewConsole(svc *Service, rd *web.Renderer, key, baseDomain string, secure bool) *Console {
	return &Console{svc: svc, rd: rd, keys: newKeyring(key, secure), baseDomain: baseDomain}
}

// ErrBadKey is a wrong operator key.
var ErrBadKey = apperr.New(apperr.Forbidden, "error.operator_key")

// Routes mounts the console on r.
func (c *Console) Routes(r chi.Router) {
	// Sign-in.
	r.Get("/signin", c.handleSignin)
	r.Post("/signin", c.handleSigninPost)
	r.Post("/signout", c.handleSignout)
	r.Get("/signin/oidc", c.handleOIDCStart)
	r.Get("/signin/callback", c.handleOIDCCallback)
	// Tenants, for a signed-in operator.
	r.Group(func(r chi.Router) {
		r.Use(c.requireOperator)
		r.Get("/", c.handleTenants)
		r.Post("/tenants", c.handleCreate)
		r.Post("/tenants/{slug}/suspend", c.handleStatus(tenant.Suspended))
		r.Post("/tenants/{slug}/resume", c.handleStatus(tenant.Active))
		r.Post("/tenants/{slug}/administrator", c.handleAppoint)
		c.lifecycleRoutes(r)
		c.exchangeRoutes(r)
		if c.jobs != nil {
			r.Handle(c.jobsPrefix, c.jobs)
			r.Handle(c.jobsPrefix+"/*", c.jobs)
		}
	})
}

// operatorKey is the context key of the signed-in operator: "key" or
// "oidc:<subject>".
type operatorKey struct{}

func operatorFrom(ctx context.Context) string {
	who, _ := ctx.Value(operatorKey{}).(string)
	return "console:" + who
}

func (c *Console) requireOperator(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, ok := c.keys.valid(r)
		if !ok {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), operatorKey{}, who)))
	})
}

type signinData struct {
	Error string
	OIDC  bool
}

func (c *Console) handleSignin(w http.ResponseWriter, r *http.Request) {
	c.rd.Render(w, r, http.StatusOK, "operator/signin", &web.Page{TitleKey: "operator.signin", Platform: true, Data: signinData{OIDC: c.oidc != nil}})
}

func (c *Console) handleSigninPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	if !c.keys.checkKey(r.PostForm.Get("key")) {
		l := c.rd.Localizer(r)
		c.rd.Render(w, r, http.StatusForbidden, "operator/signin", &web.Page{TitleKey: "operator.signin", Platform: true,
			Data: signinData{Error: l.T(ErrBadKey.Key), OIDC: c.oidc != nil}})
		return
	}
	c.keys.issue(w, "key")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (c *Console) handleSignout(w http.ResponseWriter, r *http.Request) {
	c.keys.clear(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// createForm is the new tenant form, kept on an error so nothing typed is
// lost.
type createForm struct {
	Slug, Name, DisplayName, PrimaryColor, AccentColor, Domains string
	Phone, Email, Address, CoatOfArms                           string
	// Administrator is the first administrator's РНОКПП. It is kept on
	// an error only, for the operator who typed it; it is never shown
	// for a city that exists.
	Administrator string
}

type tenantsData struct {
	Tenants    []*tenant.Tenant
	Admins     map[uuid.UUID]AdminState // by tenant: whether it has an administrator, never who
	Exchanges  map[uuid.UUID]Exchange   // by tenant: the national monitoring exchange's state
	Form       createForm
	Errors     map[string]string // by field
	Flash      string
	BaseDomain string
	Port       string // ":8080" when the console is reached on a port, for links to tenants
	// Appoint is the appointment of an administrator that was refused:
	// the city's slug, the РНОКПП as typed (for the operator who typed it
	// only) and why.
	Appoint struct{ Slug, RNOKPP, Error string }
	// A city's way out (lifecycle_http.go): the exports of the suspended
	// cities, the deleted cities' records, and a refused form.
	Exports   map[uuid.UUID][]CityExport
	Ready     map[uuid.UUID]*CityExport // the export a deletion may follow
	Deletions map[uuid.UUID]*Deletion
	Lifecycle lifecycleForm
}

func (c *Console) renderTenants(w http.ResponseWriter, r *http.Request, status int, d tenantsData) {
	ts, err := c.svc.List(r.Context())
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	admins, err := c.svc.Administrators(r.Context())
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	if d.Exchanges, err = c.svc.Exchanges(r.Context()); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	d.Exports, d.Ready = map[uuid.UUID][]CityExport{}, map[uuid.UUID]*CityExport{}
	for _, t := range ts {
		if t.Status != tenant.Suspended {
			continue
		}
		if d.Exports[t.ID], err = c.svc.Exports(r.Context(), t.ID); err != nil {
			c.rd.Error(w, r, err)
			return
		}
		d.Ready[t.ID] = exportReady(t, d.Exports[t.ID])
	}
	if d.Deletions, err = c.svc.Deletions(r.Context()); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	d.Tenants, d.Admins, d.BaseDomain = ts, admins, c.baseDomain
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		d.Port = ":" + port
	}
	if d.Form.PrimaryColor == "" {
		d.Form.PrimaryColor, d.Form.AccentColor = "#1d4f91", "#ffd500"
	}
	c.rd.Render(w, r, status, "operator/tenants", &web.Page{TitleKey: "operator.title", Platform: true, Data: d})
}

func (c *Console) handleTenants(w http.ResponseWriter, r *http.Request) {
	l := c.rd.Localizer(r)
	var flash string
	switch q := r.URL.Query(); {
	case q.Get("created") != "":
		flash = l.T("operator.created", "Name", q.Get("created"))
	case q.Get("suspended") != "":
		flash = l.T("operator.suspended", "Name", q.Get("suspended"))
	case q.Get("resumed") != "":
		flash = l.T("operator.resumed", "Name", q.Get("resumed"))
	case q.Get("appointing") != "":
		flash = l.T("operator.appointing", "Name", q.Get("appointing"))
	case q.Get("exporting") != "":
		flash = l.T("lifecycle.op_export_queued", "Name", q.Get("exporting"))
	case q.Get("deleted") != "":
		// The record says what was done; the flash repeats it.
		if t, err := c.svc.Get(r.Context(), q.Get("deleted")); err == nil && t.Status == tenant.Deleted {
			if ds, err := c.svc.Deletions(r.Context()); err == nil && ds[t.ID] != nil {
				flash = l.T("lifecycle.op_deleted", "Name", t.Name, "Rows", ds[t.ID].TotalRows(), "Objects", ds[t.ID].ObjectsRemoved)
			}
		}
	}
	c.renderTenants(w, r, http.StatusOK, tenantsData{Flash: flash})
}

func (c *Console) handleCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	f := createForm{
		Slug:         strings.ToLower(strings.TrimSpace(r.PostForm.Get("slug"))),
		Name:         strings.TrimSpace(r.PostForm.Get("name")),
		DisplayName:  strings.TrimSpace(r.PostForm.Get("display_name")),
		PrimaryColor: strings.TrimSpace(r.PostForm.Get("primary_color")),
		AccentColor:  strings.TrimSpace(r.PostForm.Get("accent_color")),
		Domains:      r.PostForm.Get("domains"),
		Phone:        strings.TrimSpace(r.PostForm.Get("phone")),
		Email:        strings.TrimSpace(r.PostForm.Get("email")),
		Address:      strings.TrimSpace(r.PostForm.Get("address")),
		CoatOfArms:   strings.TrimSpace(r.PostForm.Get("coat_of_arms")),
		// Spaces typed inside the number are forgiven.
		Administrator: strings.Join(strings.Fields(r.PostForm.Get("administrator")), ""),
	}
	t, err := c.svc.CreateCity(r.Context(), tenant.CreateParams{
		Slug: f.Slug, Name: f.Name, Domains: SplitDomains(f.Domains),
		Branding: tenant.Branding{DisplayName: tenant.Text{UK: f.DisplayName}, PrimaryColor: f.PrimaryColor, AccentColor: f.AccentColor, CoatOfArms: f.CoatOfArms,
			Contacts: tenant.Contacts{Phone: f.Phone, Email: f.Email, Address: tenant.Text{UK: f.Address}}},
	}, f.Administrator)
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code != apperr.Internal {
		l := c.rd.Localizer(r)
		c.renderTenants(w, r, apperr.Status(ae.Code), tenantsData{Form: f, Errors: map[string]string{fieldOf(err): l.Message(ae.Key, ae.Args)}})
		return
	}
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/?created="+url.QueryEscape(t.Name), http.StatusSeeOther)
}

// fieldOf names the form field an error is about.
func fieldOf(err error) string {
	switch {
	case errors.Is(err, tenant.ErrInvalidSlug), errors.Is(err, tenant.ErrSlugTaken):
		return "slug"
	case errors.Is(err, tenant.ErrInvalidName):
		return "name"
	case errors.Is(err, tenant.ErrInvalidDomain), errors.Is(err, tenant.ErrDomainTaken):
		return "domains"
	case errors.Is(err, tenant.ErrInvalidColor):
		return "primary_color"
	case errors.Is(err, ErrAdministratorRequired), errors.Is(err, ErrAdministratorRNOKPP):
		return "administrator"
	case errors.Is(err, ErrInvalidEmail):
		return "email"
	case errors.Is(err, ErrInvalidCoatOfArms):
		return "coat_of_arms"
	}
	return "name"
}

func (c *Console) handleStatus(st tenant.Status) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := c.svc.SetStatus(r.Context(), chi.URLParam(r, "slug"), st)
		if err != nil {
			c.rd.Error(w, r, err)
			return
		}
		key := "resumed"
		if st == tenant.Suspended {
			key = "suspended"
		}
		http.Redirect(w, r, "/?"+key+"="+url.QueryEscape(t.Name), http.StatusSeeOther)
	}
}

// handleAppoint appoints an administrator of a city that exists: the
// РНОКПП goes to the city's appointment job, and the console shows the
// city's state (pending, then appointed), never who.
func (c *Console) handleAppoint(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	slug := chi.URLParam(r, "slug")
	rnokpp := strings.Join(strings.Fields(r.PostForm.Get("rnokpp")), "")
	t, err := c.svc.AppointAdministrator(r.Context(), slug, rnokpp)
	if errors.Is(err, ErrAppointRequired) || errors.Is(err, ErrAppointRNOKPP) {
		d := tenantsData{}
		d.Appoint.Slug, d.Appoint.RNOKPP = slug, rnokpp
		d.Appoint.Error = c.rd.Localizer(r).T(apperr.As(err).Key)
		c.renderTenants(w, r, http.StatusBadRequest, d)
		return
	}
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/?appointing="+url.QueryEscape(t.Name), http.StatusSeeOther)
}
