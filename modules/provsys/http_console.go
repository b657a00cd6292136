package provsys

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/web"
)

// Console is the administrator's page of the providers' systems.
type Console struct {
	svc *Service
	rd  *web.Renderer
}

// NewConsole returns the page over svc.
func NewConsole(svc *Service, rd *web.Renderer) *Console { return &Console{svc: svc, rd: rd} }

// ConsolePath is the page's path.
const ConsolePath = "/admin/provider-systems"

// Routes mounts the page, every route behind g:
//
//	GET  /admin/provider-systems                   the routes and the deliveries     providers:read
//	POST /admin/provider-systems                   a provider's route                providers:update
//	POST /admin/provider-systems/{route}/secret    a new client secret (shown once)  providers:update
//	POST /admin/provider-systems/{route}/test      a test delivery                   providers:update
//	POST /admin/provider-systems/{route}/remove    a service's own route removed      providers:update
func (c *Console) Routes(r chi.Router, g *access.Guard) {
	// A route is a property of the provider, as its register entry is:
	// who may change providers (administrator, dispatcher) sets it, and
	// who may read them (and the owner) sees the deliveries.
	update := access.Perm{Object: access.ObjProviders, Action: access.ActUpdate}
	g.Route(r, http.MethodGet, ConsolePath, access.Perm{Object: access.ObjProviders, Action: access.ActRead}, c.handlePage)
	g.Route(r, http.MethodPost, ConsolePath, update, c.handleSave)
	g.Route(r, http.MethodPost, ConsolePath+"/{route}/secret", update, c.handleSecret)
	g.Route(r, http.MethodPost, ConsolePath+"/{route}/test", update, c.handleTest)
	g.Route(r, http.MethodPost, ConsolePath+"/{route}/remove", update, c.handleRemove)
}

// consoleData is the page: the overview, and after a POST what it did.
type consoleData struct {
	*Overview
	Rows  []consoleRow
	Kinds []Kind
	// Form is what was typed into the provider's form that failed, kept;
	// Errors its messages by field.
	Form   map[string]string
	Errors map[string]string
	// Saved is the provider whose route was just saved; Secret its new
	// client secret, shown this once.
	Saved    string
	ClientID string
	Secret   string
	// SavedService is the service whose own route was saved, if it was
	// one's.
	SavedService *uuid.UUID
	Tested       bool
	Removed      bool
	Failed       bool
}

// consoleRow is one provider's card: its form holds what was typed when
// its save failed, else the route as it is.
type consoleRow struct {
	ProviderRoute
	Form     map[string]string
	Errors   map[string]string
	Saved    bool
	ClientID string
	Secret   string
	// SavedFor names the service whose route was saved ("" for the
	// provider's own), so the secret shown is not taken for the other's.
	SavedFor string
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, d *consoleData) {
	o, err := c.svc.Overview(r.Context())
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	d.Overview, d.Kinds, d.Failed = o, Kinds, len(d.Errors) > 0
	for _, p := range o.Providers {
		row := consoleRow{ProviderRoute: p, Form: map[string]string{"kind": string(Workspace)}}
		if p.Route != nil {
			row.Form = map[string]string{"kind": string(p.Route.Kind), "endpoint": p.Route.Endpoint}
		}
		id := p.Provider.ID.String()
		if d.Form != nil && d.Form["provider"] == id {
			row.Form, row.Errors = d.Form, d.Errors
		}
		if d.Saved == id {
			row.Saved, row.ClientID, row.Secret = true, d.ClientID, d.Secret
			for _, sv := range p.Services {
				if d.SavedService != nil && sv.ID == *d.SavedService {
					row.SavedFor = sv.Code + " · " + sv.Name.UK
				}
			}
		}
		d.Rows = append(d.Rows, row)
	}
	c.rd.Render(w, r, status, "provsys/admin", &web.Page{TitleKey: "provsys.title", Data: d})
}

func (c *Console) handlePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.render(w, r, http.StatusOK, &consoleData{Tested: q.Get("tested") == "1", Removed: q.Get("removed") == "1"})
}

func (c *Console) handleSave(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"provider": r.PostFormValue("provider"), "service": r.PostFormValue("service"), "kind": r.PostFormValue("kind"),
		"endpoint": r.PostFormValue("endpoint"), "certificate": r.PostFormValue("certificate")}
	provider, err := uuid.Parse(form["provider"])
	if err != nil {
		c.rd.Error(w, r, ErrNotFound)
		return
	}
	in := RouteInput{ProviderID: provider, Kind: Kind(form["kind"]), Endpoint: form["endpoint"], Certificate: []byte(form["certificate"])}
	if form["service"] != "" {
		id, perr := uuid.Parse(form["service"])
		if perr != nil {
			id = uuid.Nil // no service of anyone's: SaveRoute says so on the field
		}
		in.ServiceID = &id
	}
	saved, err := c.svc.SaveRoute(r.Context(), in)
	field := map[*apperr.Error]string{ErrEndpoint: "endpoint", ErrTrembitaService: "endpoint", ErrCertificate: "certificate", ErrMessage: "kind", ErrService: "service"}
	for e, f := range field {
		if errors.Is(err, e) {
			l := c.rd.Localizer(r)
			c.render(w, r, http.StatusUnprocessableEntity, &consoleData{Form: form, Errors: map[string]string{f: l.T(e.Key)}})
			return
		}
	}
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, &consoleData{Saved: provider.String(), ClientID: saved.ClientID, Secret: saved.Secret, SavedService: saved.ServiceID})
}

func (c *Console) handleSecret(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "route"))
	if err != nil {
		c.rd.Error(w, r, ErrNotFound)
		return
	}
	rt, secret, err := c.svc.NewSecret(r.Context(), id)
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, &consoleData{Saved: rt.ProviderID.String(), ClientID: rt.ClientID, Secret: secret, SavedService: rt.ServiceID})
}

func (c *Console) handleTest(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "route"))
	if err != nil {
		c.rd.Error(w, r, ErrNotFound)
		return
	}
	if err := c.svc.TestDelivery(r.Context(), id); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, ConsolePath+"?tested=1", http.StatusSeeOther)
}

func (c *Console) handleRemove(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "route"))
	if err != nil {
		c.rd.Error(w, r, ErrNotFound)
		return
	}
	if _, err := c.svc.RemoveRoute(r.Context(), id); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, ConsolePath+"?removed=1", http.StatusSeeOther)
}
