package appeals

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/tenant"
)

// Open311 GeoReport v2 at the specification's paths under /open311/v2/,
// in JSON: every answer is a JSON array, an error too (objects of code
// and description), as the specification has it. Reads are public;
// POST requests.json needs an api_key the city gave (http_routing.go).
//
//	GET  /open311/v2/services.json                the categories
//	GET  /open311/v2/services/{code}.json         a category's definition (no attributes)
//	GET  /open311/v2/requests.json                published appeals (service_request_id, service_code, start_date, end_date, status)
//	POST /open311/v2/requests.json                file one (api_key)
//	GET  /open311/v2/requests/{id}.json           one published appeal

// routes311 mounts the Open311 endpoints, public (the key is checked by
// the handler: it is no session).
func (h *HTTP) routes311(r chi.Router, g *access.Guard) {
	g.Public(r, http.MethodGet, "/open311/v2/services.json", h.handleServices311)
	g.Public(r, http.MethodGet, "/open311/v2/services/{code}", h.handleService311)
	g.Public(r, http.MethodGet, "/open311/v2/requests.json", h.handleRequests311)
	g.Public(r, http.MethodPost, "/open311/v2/requests.json", h.handlePost311)
	g.Public(r, http.MethodGet, "/open311/v2/requests/{id}", h.handleRequest311)
}

// service311 is a service of services.json.
type service311 struct {
	ServiceCode string `json:"service_code"`
	ServiceName string `json:"service_name"`
	Description string `json:"description"`
	Metadata    bool   `json:"metadata"`
	Type        string `json:"type"`
	Keywords    string `json:"keywords"`
	Group       string `json:"group"`
}

// request311 is a service request of requests.json.
type request311 struct {
	ServiceRequestID  string   `json:"service_request_id"`
	Status            string   `json:"status"`
	StatusNotes       string   `json:"status_notes"`
	ServiceName       string   `json:"service_name"`
	ServiceCode       string   `json:"service_code"`
	Description       string   `json:"description"`
	AgencyResponsible string   `json:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime"`
	Address           string   `json:"address"`
	AddressID         string   `json:"address_id"`
	Zipcode           string   `json:"zipcode"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          string   `json:"media_url"`
}

// error311 is an error of the specification's format.
type error311 struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

func write311(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail311(w http.ResponseWriter, status int, description string) {
	write311(w, status, []error311{{Code: status, Description: description}})
}

func (h *HTTP) handleServices311(w http.ResponseWriter, r *http.Request) {
	cs, err := h.Svc.Categories(r.Context())
	if err != nil {
		h.Svc.log().ErrorContext(r.Context(), "open311: services", "err", err)
		fail311(w, http.StatusInternalServerError, "internal error")
		return
	}
	out := make([]service311, 0, len(cs))
	for _, c := range cs {
		out = append(out, service311{ServiceCode: c.Code, ServiceName: c.Name.UK, Description: c.Name.EN, Metadata: false, Type: "realtime"})
	}
	write311(w, http.StatusOK, out)
}

// handleService311 is a service definition: no service has attributes
// (metadata false), so its list is empty.
func (h *HTTP) handleService311(w http.ResponseWriter, r *http.Request) {
	code, ok := strings.CutSuffix(chi.URLParam(r, "code"), ".json")
	cs, err := h.Svc.Categories(r.Context())
	if err != nil {
		fail311(w, http.StatusInternalServerError, "internal error")
		return
	}
	for _, c := range cs {
		if ok && c.Code == code {
			write311(w, http.StatusOK, map[string]any{"service_code": c.Code, "attributes": []any{}})
			return
		}
	}
	fail311(w, http.StatusNotFound, "service_code not found")
}

func (h *HTTP) handleRequests311(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Public311{ServiceCode: q.Get("service_code"), Status: q.Get("status")}
	for id := range strings.SplitSeq(q.Get("service_request_id"), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		u, err := uuid.Parse(id)
		if err != nil {
			fail311(w, http.StatusBadRequest, "service_request_id: not a request id: "+id)
			return
		}
		f.IDs = append(f.IDs, u)
	}
	if f.Status != "" && f.Status != "open" && f.Status != "closed" {
		fail311(w, http.StatusBadRequest, "status: open or closed")
		return
	}
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"start_date", &f.Start}, {"end_date", &f.End}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				fail311(w, http.StatusBadRequest, p.name+": a date and time in ISO 8601 with its offset, e.g. 2026-03-06T10:00:00+02:00")
				return
			}
			*p.to = t
		}
	}
	h.list311(w, r, f, false)
}

func (h *HTTP) handleRequest311(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(chi.URLParam(r, "id"), ".json")
	u, err := uuid.Parse(id)
	if !ok || err != nil {
		fail311(w, http.StatusNotFound, "service_request_id not found")
		return
	}
	h.list311(w, r, Public311{IDs: []uuid.UUID{u}}, true)
}

func (h *HTTP) list311(w http.ResponseWriter, r *http.Request, f Public311, one bool) {
	list, err := h.Svc.Published(r.Context(), f)
	if err != nil {
		h.Svc.log().ErrorContext(r.Context(), "open311: requests", "err", err)
		fail311(w, http.StatusInternalServerError, "internal error")
		return
	}
	if one && len(list) == 0 {
		fail311(w, http.StatusNotFound, "service_request_id not found")
		return
	}
	out := make([]request311, 0, len(list))
	for _, a := range list {
		out = append(out, asRequest311(a))
	}
	write311(w, http.StatusOK, out)
}

// asRequest311 is a published appeal without personal data: what
// publicOf lets through, as the public pages show it.
func asRequest311(a *Appeal) request311 {
	p := publicOf(a)
	rq := request311{ServiceRequestID: p.ID.String(), Status: "open", StatusNotes: statusNote[p.Status], ServiceName: p.Category.UK, ServiceCode: p.CategoryCode,
		Description: p.Text, AgencyResponsible: p.Provider.UK, RequestedDatetime: p.ReceivedAt.In(tenant.Zone).Format(time.RFC3339),
		UpdatedDatetime: p.ReceivedAt.In(tenant.Zone).Format(time.RFC3339), Address: p.Address, Lat: p.Lat, Long: p.Lon,
		ExpectedDatetime: time.Date(p.DueOn.Year(), p.DueOn.Month(), p.DueOn.Day(), 18, 0, 0, 0, tenant.Zone).Format(time.RFC3339)}
	if p.Status == Answered {
		rq.Status = "closed"
		if p.AnsweredAt != nil {
			rq.UpdatedDatetime = p.AnsweredAt.In(tenant.Zone).Format(time.RFC3339)
		}
	}
	return rq
}

// statusNote is what a status says in status_notes (no answer's text: a
// letter to a person is theirs).
var statusNote = map[Status]string{Received: "Отримано", InWork: "Розглядається", Clarification: "Розглядається: уточнюється в автора", Answered: "Надано відповідь"}

func (h *HTTP) handlePost311(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		fail311(w, http.StatusBadRequest, "the request's body is not a form")
		return
	}
	v := r.PostForm
	if v.Get("service_code") == "" {
		fail311(w, http.StatusBadRequest, "service_code: required")
		return
	}
	if v.Get("address_string") == "" && (v.Get("lat") == "" || v.Get("long") == "") {
		fail311(w, http.StatusBadRequest, "a location is required: lat and long, or address_string")
		return
	}
	f := Filing{Category: v.Get("service_code"), Body: v.Get("description"), Address: v.Get("address_string"), Lat: v.Get("lat"), Lon: v.Get("long")}
	c := Caller311{FirstName: v.Get("first_name"), LastName: v.Get("last_name"), Email: v.Get("email"), Phone: v.Get("phone")}
	a, errs, err := h.Svc.File311(r.Context(), v.Get("api_key"), c, f)
	switch {
	case errors.Is(err, ErrKey):
		fail311(w, http.StatusForbidden, "api_key: invalid or missing")
		return
	case errors.Is(err, ErrAnonymous):
		fail311(w, http.StatusBadRequest, "first_name, last_name and email or phone are required: anonymous appeals are not considered (Law of Ukraine «On citizens' appeals», art. 8)")
		return
	case errors.Is(err, ErrRepeated):
		fail311(w, http.StatusConflict, "a repeated appeal on a matter already answered is not considered (art. 8)")
		return
	case err != nil:
		h.Svc.log().ErrorContext(r.Context(), "open311: post", "err", err)
		fail311(w, http.StatusInternalServerError, "internal error")
		return
	case len(errs) > 0:
		l := h.RD.Localizer(r)
		out := []error311{}
		for _, k := range []string{"category", "body", "point", "place", "district"} {
			if m, ok := errs[k]; ok {
				out = append(out, error311{Code: http.StatusBadRequest, Description: l.T(m)})
			}
		}
		write311(w, http.StatusBadRequest, out)
		return
	}
	write311(w, http.StatusCreated, []map[string]any{{"service_request_id": a.ID.String(),
		"service_notice": "Звернення № " + a.Number + "; строк розгляду — до " + a.DueOn.Format("02.01.2006"), "account_id": nil}})
}
