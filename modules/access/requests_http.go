package access

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/tenant"
	"hromada/web"
)

// FormProvider is the provider a posted form names: the scope of a
// provider-scoped form.
func FormProvider(r *http.Request) string {
	if id, err := uuid.Parse(r.PostFormValue("provider")); err == nil {
		return id.String()
	}
	return ""
}

type requestsData struct {
	Requests      []*Request
	ProviderScope string
	Flash         string
}

func (c *Console) handleRequests(w http.ResponseWriter, r *http.Request) {
	var provider *uuid.UUID
	d := requestsData{}
	if p := QueryProvider(r); p != "" {
		id := uuid.MustParse(p)
		provider, d.ProviderScope = &id, p
	}
	if k := r.URL.Query().Get("done"); k != "" {
		d.Flash = c.rd.Localizer(r).T("admin.request_done_" + k)
	}
	var err error
	if d.Requests, err = c.svc.Requests(r.Context(), actorOf(r), provider); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	c.rd.Render(w, r, http.StatusOK, "admin/access_requests", &web.Page{TitleKey: "admin.requests", Data: d})
}

// requestForm is the form as typed, kept on an error.
type requestForm struct {
	Provider, FullName, BirthDate, DocumentKind, DocumentNumber, RNOKPP, Position, Organisation, Unit, Phone, Email string
	RNOKPPRefused, HasQualifiedCertificate                                                                          bool
}

type requestFormData struct {
	Form   requestForm
	Errors map[string]string
}

func (c *Console) handleRequestForm(w http.ResponseWriter, r *http.Request) {
	c.rd.Render(w, r, http.StatusOK, "admin/access_request_form", &web.Page{TitleKey: "admin.request_new",
		Data: requestFormData{Form: requestForm{Provider: QueryProvider(r), DocumentKind: DocIDCard}}})
}

func (c *Console) handleRequestFile(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	pf := r.PostForm
	f := requestForm{
		Provider: pf.Get("provider"), FullName: pf.Get("full_name"), BirthDate: pf.Get("birth_date"), DocumentKind: pf.Get("document_kind"),
		DocumentNumber: pf.Get("document_number"), RNOKPP: pf.Get("rnokpp"), Position: pf.Get("position"), Organisation: pf.Get("organisation"),
		Unit: pf.Get("unit"), Phone: pf.Get("phone"), Email: pf.Get("email"),
		RNOKPPRefused: pf.Get("rnokpp_refused") != "", HasQualifiedCertificate: pf.Get("qualified_certificate") != "",
	}
	q := &Request{FullName: f.FullName, DocumentKind: f.DocumentKind, DocumentNumber: f.DocumentNumber, RNOKPP: f.RNOKPP,
		RNOKPPRefused: f.RNOKPPRefused, Position: f.Position, Organisation: f.Organisation, Unit: f.Unit,
		HasQualifiedCertificate: f.HasQualifiedCertificate, Phone: f.Phone, Email: f.Email}
	q.ProviderID, _ = uuid.Parse(f.Provider)
	if d, err := time.ParseInLocation("2006-01-02", f.BirthDate, tenant.Zone); err == nil {
		q.BirthDate = d
	}
	errs, err := c.svc.FileRequest(r.Context(), actorOf(r), q)
	if errors.Is(err, ErrRequestInvalid) {
		l := c.rd.Localizer(r)
		msgs := map[string]string{}
		for field, e := range errs {
			msgs[field] = l.Message(e.Key, e.Args)
		}
		c.rd.Render(w, r, http.StatusBadRequest, "admin/access_request_form", &web.Page{TitleKey: "admin.request_new",
			Data: requestFormData{Form: f, Errors: msgs}})
		return
	}
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/access-requests?provider="+q.ProviderID.String()+"&done=filed", http.StatusSeeOther)
}

func (c *Console) handleDecide(grant bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			c.rd.Error(w, r, err)
			return
		}
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			c.rd.Error(w, r, ErrRequestNotFound)
			return
		}
		if err := c.svc.DecideRequest(r.Context(), actorOf(r), id, grant, r.PostForm.Get("note")); err != nil {
			c.rd.Error(w, r, err)
			return
		}
		done := "rejected"
		if grant {
			done = "granted"
		}
		http.Redirect(w, r, "/admin/access-requests?done="+done, http.StatusSeeOther)
	}
}
