package identity

import (
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/web"
)

// providerForm is a provider as typed; the secret is never shown back.
type providerForm struct {
	ID, Kind, Name, Issuer, ClientID, Scopes, RNOKPPClaim, EDRPOUClaim, NameClaim string
	Enabled                                                                       bool
}

type providersData struct {
	Providers []*Provider
	Dev       bool
	Form      providerForm
	Errors    map[string]string
	Saved     bool
}

func (s *Service) renderProviders(w http.ResponseWriter, r *http.Request, status int, d providersData) {
	ps, err := s.Providers(r.Context())
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	d.Providers, d.Dev = ps, s.dev != nil
	if d.Form.Kind == "" {
		d.Form = providerForm{Kind: KindOIDC, Enabled: true, Scopes: "openid profile email phone"}
	}
	s.rd.Render(w, r, status, "admin/identity_providers", &web.Page{TitleKey: "admin.idps", Data: d})
}

func (s *Service) handleProviders(w http.ResponseWriter, r *http.Request) {
	s.renderProviders(w, r, http.StatusOK, providersData{Saved: r.URL.Query().Get("saved") != ""})
}

func (s *Service) handleProviderSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	pf := r.PostForm
	f := providerForm{
		ID: pf.Get("id"), Kind: pf.Get("kind"), Name: strings.TrimSpace(pf.Get("name")), Issuer: strings.TrimSpace(pf.Get("issuer")),
		ClientID: strings.TrimSpace(pf.Get("client_id")), Scopes: pf.Get("scopes"), RNOKPPClaim: strings.TrimSpace(pf.Get("rnokpp_claim")),
		EDRPOUClaim: strings.TrimSpace(pf.Get("edrpou_claim")), NameClaim: strings.TrimSpace(pf.Get("name_claim")), Enabled: pf.Get("enabled") != "",
	}
	p := &Provider{Kind: f.Kind, Name: f.Name, Issuer: f.Issuer, ClientID: f.ClientID, ClientSecret: pf.Get("client_secret"),
		Scopes: strings.Fields(f.Scopes), Enabled: f.Enabled,
		ClaimMap: ClaimMap{RNOKPP: f.RNOKPPClaim, EDRPOU: f.EDRPOUClaim, FullName: f.NameClaim}}
	if f.ID != "" {
		id, err := uuid.Parse(f.ID)
		if err != nil {
			s.rd.Error(w, r, ErrNoProvider)
			return
		}
		p.ID = id
	} else if p.ClientSecret == "" && p.Kind == KindIDGovUA {
		s.providerError(w, r, f, ErrInvalidProvider)
		return
	}
	if err := s.SaveProvider(r.Context(), p); err != nil {
		s.providerError(w, r, f, err)
		return
	}
	http.Redirect(w, r, "/admin/identity-providers?saved=1", http.StatusSeeOther)
}

func (s *Service) providerError(w http.ResponseWriter, r *http.Request, f providerForm, err error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code == apperr.Internal {
		s.rd.Error(w, r, err)
		return
	}
	s.renderProviders(w, r, apperr.Status(ae.Code), providersData{Form: f, Errors: map[string]string{"issuer": s.rd.Localizer(r).Message(ae.Key, ae.Args)}})
}
