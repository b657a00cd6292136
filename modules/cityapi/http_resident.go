package cityapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/appeals"
	"hromada/modules/centres"
	"hromada/modules/participation"
	"hromada/modules/payments"
	"hromada/tenant"
)

// The resident's other business in the app (issue 22): payments,
// appointments at the centres, appeals, petitions and polls. Each handler
// calls the module's own Service, as the cabinet's pages do, with the
// token's person as the signed-in person (bearer), so the modules' own
// checks of whose object it is answer here too: another's is not found.

// Resident is the modules the resident's endpoints call; a nil one leaves
// its endpoints answering a server error (a wiring mistake, not a state).
type Resident struct {
	Payments      *payments.Service
	Centres       *centres.Service
	Appeals       *appeals.Service
	Participation *participation.Service
}

// WithResident makes the API serve the resident's payments, appointments,
// appeals and participation from m.
func (h *HTTP) WithResident(m Resident) *HTTP {
	h.resident = m
	return h
}

var errNoModule = errors.New("cityapi: a module of the resident's endpoints is not wired (WithResident)")

// apiPayment is an invoice of an application and what was paid of it.
type apiPayment struct {
	ID            uuid.UUID          `json:"id"`
	ApplicationID uuid.UUID          `json:"application_id"`
	Number        string             `json:"number"`
	Service       string             `json:"service"`
	AmountKopecks int64              `json:"amount_kopecks"`
	Currency      string             `json:"currency"`
	Status        string             `json:"status"`
	CreatedAt     time.Time          `json:"created_at"`
	PaidAt        *time.Time         `json:"paid_at,omitempty"`
	URL           string             `json:"url"`               // the invoice's page in the cabinet: pay it there
	Receipt       string             `json:"receipt,omitempty"` // the sealed receipt, once paid
	Payments      []apiGatewayPaymnt `json:"payments"`
}

// apiGatewayPaymnt is one payment through a gateway of an invoice.
type apiGatewayPaymnt struct {
	ID            uuid.UUID `json:"id"`
	Gateway       string    `json:"gateway"`
	Status        string    `json:"status"`
	AmountKopecks int64     `json:"amount_kopecks"`
	CreatedAt     time.Time `json:"created_at"`
}

func (h *HTTP) apiPayments(w http.ResponseWriter, r *http.Request) {
	if h.resident.Payments == nil {
		h.writeJSON(w, r, 0, nil, errNoModule)
		return
	}
	list, err := h.resident.Payments.Mine(r.Context(), callerOf(r).Account)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	all := make([]apiPayment, len(list))
	for i, inv := range list {
		p := apiPayment{ID: inv.ID, ApplicationID: inv.Application, Number: inv.Number, Service: inv.Service,
			AmountKopecks: inv.AmountKopecks, Currency: inv.Currency, Status: string(inv.Status), CreatedAt: inv.CreatedAt,
			PaidAt: inv.PaidAt, URL: "/cabinet/payments/" + inv.ID.String(), Payments: []apiGatewayPaymnt{}}
		if inv.PaidAt != nil {
			p.Receipt = p.URL + "/receipt.pdf"
		}
		for _, g := range inv.Payments {
			p.Payments = append(p.Payments, apiGatewayPaymnt{ID: g.ID, Gateway: string(g.Gateway), Status: string(g.Status), AmountKopecks: g.AmountKopecks, CreatedAt: g.CreatedAt})
		}
		all[i] = p
	}
	pg, err := paginate(r, all, func(p apiPayment) uuid.UUID { return p.ID })
	h.writeTagged(w, r, pg, err)
}

// apiAppointment is a booking at a centre.
type apiAppointment struct {
	ID          uuid.UUID   `json:"id"`
	Code        string      `json:"code"`
	CentreCode  string      `json:"centre_code"`
	Centre      tenant.Text `json:"centre"`
	Address     tenant.Text `json:"address"`
	ServiceCode string      `json:"service_code"`
	Service     tenant.Text `json:"service"`
	StartsAt    time.Time   `json:"starts_at"`
	EndsAt      time.Time   `json:"ends_at"`
	Status      string      `json:"status"`
	Window      int         `json:"window,omitempty"`
}

func toAppointment(v *centres.Visit) apiAppointment {
	return apiAppointment{ID: v.ID, Code: v.Code, CentreCode: v.CentreCode, Centre: v.CentreName, Address: v.CentreAddr,
		ServiceCode: v.ServiceCode, Service: v.ServiceName, StartsAt: v.Start.UTC(), EndsAt: v.End.UTC(), Status: string(v.Status), Window: v.Window}
}

func (h *HTTP) apiAppointments(w http.ResponseWriter, r *http.Request) {
	if h.resident.Centres == nil {
		h.writeJSON(w, r, 0, nil, errNoModule)
		return
	}
	vs, err := h.resident.Centres.Mine(r.Context())
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	all := make([]apiAppointment, len(vs))
	for i := range vs {
		all[i] = toAppointment(&vs[i])
	}
	p, err := paginate(r, all, func(a apiAppointment) uuid.UUID { return a.ID })
	h.writeTagged(w, r, p, err)
}

// apiCancelAppointment cancels the resident's booking id. The centres'
// Service knows a booking by its code (the cabinet's links); the app knows
// its id from the list, so the id is found among the person's own bookings
// (Mine, which lists every coming one first) — another's is not there and
// is not found.
func (h *HTTP) apiCancelAppointment(w http.ResponseWriter, r *http.Request) {
	if h.resident.Centres == nil {
		h.writeJSON(w, r, 0, nil, errNoModule)
		return
	}
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Problem(w, r, centres.ErrNotFound)
		return
	}
	vs, err := h.resident.Centres.Mine(r.Context())
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	code := ""
	for _, v := range vs {
		if v.ID == id {
			code = v.Code
		}
	}
	if code == "" {
		h.rd.Problem(w, r, centres.ErrNotFound)
		return
	}
	v, err := h.resident.Centres.Cancel(r.Context(), code)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, toAppointment(v), nil)
}

// apiAppeal is an appeal as the app lists it.
type apiAppeal struct {
	ID         uuid.UUID   `json:"id"`
	Number     string      `json:"number"`
	Kind       string      `json:"kind"`
	Category   tenant.Text `json:"category"`
	Status     string      `json:"status"`
	ReceivedAt time.Time   `json:"received_at"`
	DueOn      string      `json:"due_on"`
	Overdue    bool        `json:"overdue"`
	AnsweredAt *time.Time  `json:"answered_at,omitempty"`
	URL        string      `json:"url"` // its page in the cabinet
}

// apiAppealMessage is one entry of an appeal's thread.
type apiAppealMessage struct {
	Kind         string    `json:"kind"`
	FromResident bool      `json:"from_resident"`
	Body         string    `json:"body"`
	At           time.Time `json:"at"`
}

func (h *HTTP) toAppeal(a *appeals.Appeal) apiAppeal {
	return apiAppeal{ID: a.ID, Number: a.Number, Kind: string(a.Kind), Category: a.Category, Status: string(a.Status),
		ReceivedAt: a.ReceivedAt.UTC(), DueOn: a.DueOn.Format(time.DateOnly), Overdue: a.Overdue(h.svc.now()), AnsweredAt: a.AnsweredAt,
		URL: "/cabinet/appeals/" + a.ID.String()}
}

func (h *HTTP) apiAppeals(w http.ResponseWriter, r *http.Request) {
	if h.resident.Appeals == nil {
		h.writeJSON(w, r, 0, nil, errNoModule)
		return
	}
	list, err := h.resident.Appeals.Mine(r.Context())
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	all := make([]apiAppeal, len(list))
	for i, a := range list {
		all[i] = h.toAppeal(a)
	}
	p, err := paginate(r, all, func(a apiAppeal) uuid.UUID { return a.ID })
	h.writeTagged(w, r, p, err)
}

func (h *HTTP) apiAppeal(w http.ResponseWriter, r *http.Request) {
	if h.resident.Appeals == nil {
		h.writeJSON(w, r, 0, nil, errNoModule)
		return
	}
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Problem(w, r, appeals.ErrNotFound)
		return
	}
	c, err := h.resident.Appeals.Own(r.Context(), id)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	out := struct {
		apiAppeal
		Body     string             `json:"body"`
		Address  string             `json:"address,omitempty"`
		Answer   string             `json:"answer,omitempty"`
		Messages []apiAppealMessage `json:"messages"`
		Files    []apiFile          `json:"files"`
	}{apiAppeal: h.toAppeal(c.Appeal), Body: c.Appeal.Body, Address: c.Appeal.Address, Answer: c.Appeal.Answer,
		Messages: []apiAppealMessage{}, Files: []apiFile{}}
	for _, m := range c.Messages {
		out.Messages = append(out.Messages, apiAppealMessage{Kind: m.Kind, FromResident: m.FromResident, Body: m.Body, At: m.At.UTC()})
	}
	for _, f := range c.Files {
		out.Files = append(out.Files, apiFile{ID: f.ID, Kind: f.Kind, Name: f.Name})
	}
	h.writeTagged(w, r, out, nil)
}

// apiPetition is a published petition with its count.
type apiPetition struct {
	ID          uuid.UUID  `json:"id"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	Author      string     `json:"author"`
	Status      string     `json:"status"` // as the portal shows it: collecting, considering, closed, answered…
	PublishedAt *time.Time `json:"published_at,omitempty"`
	ClosesAt    *time.Time `json:"closes_at,omitempty"`
	Threshold   int        `json:"threshold"`
	Signatures  int        `json:"signatures"`
	Signed      bool       `json:"signed"` // the resident signed it
	Answer      string     `json:"answer,omitempty"`
	URL         string     `json:"url"`
}

func (h *HTTP) toPetition(r *http.Request, p *participation.Petition) (apiPetition, error) {
	signed, err := h.resident.Participation.Signed(r.Context(), p.ID)
	return apiPetition{ID: p.ID, Title: p.Title, Body: p.Body, Author: p.AuthorName, Status: p.Shown(h.svc.now()),
		PublishedAt: p.PublishedAt, ClosesAt: p.ClosesAt, Threshold: p.Threshold, Signatures: p.Signatures, Signed: signed,
		Answer: p.Answer, URL: "/petitions/" + p.ID.String()}, err
}

func (h *HTTP) apiPetitions(w http.ResponseWriter, r *http.Request) {
	if h.resident.Participation == nil {
		h.writeJSON(w, r, 0, nil, errNoModule)
		return
	}
	list, err := h.resident.Participation.Petitions(r.Context(), false)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	all := make([]apiPetition, len(list))
	for i, p := range list {
		if all[i], err = h.toPetition(r, p); err != nil {
			h.rd.Problem(w, r, err)
			return
		}
	}
	pg, err := paginate(r, all, func(p apiPetition) uuid.UUID { return p.ID })
	h.writeTagged(w, r, pg, err)
}

// apiSignPetition signs petition id for the resident with one tap, as the
// portal's button does (participation's Sign: the register asked where
// they live, one signature per person — a second is a conflict). A city
// that requires a qualified signature answers that it does: the app sends
// the person to the portal's page.
func (h *HTTP) apiSignPetition(w http.ResponseWriter, r *http.Request) {
	if h.resident.Participation == nil {
		h.writeJSON(w, r, 0, nil, errNoModule)
		return
	}
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Problem(w, r, participation.ErrNotFound)
		return
	}
	// Only a published petition is signed here: the author's own
	// unpublished one is not found, as for anyone else.
	p, err := h.resident.Participation.Petition(r.Context(), id)
	if err == nil && p.PublishedAt == nil {
		err = participation.ErrNotFound
	}
	if err == nil {
		err = h.resident.Participation.Sign(r.Context(), id)
	}
	if err == nil {
		p, err = h.resident.Participation.Petition(r.Context(), id)
	}
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	out, err := h.toPetition(r, p)
	h.writeJSON(w, r, http.StatusOK, out, err)
}

// apiPoll is a published (or closed) poll.
type apiPoll struct {
	ID         uuid.UUID       `json:"id"`
	Title      string          `json:"title"`
	Question   string          `json:"question"`
	Multiple   bool            `json:"multiple"`
	FreeAnswer bool            `json:"free_answer"`
	Area       string          `json:"area,omitempty"`
	MinAge     int             `json:"min_age,omitempty"`
	Status     string          `json:"status"`
	ClosesAt   time.Time       `json:"closes_at"`
	Options    []apiPollOption `json:"options"`
	Ballots    int             `json:"ballots"`
	URL        string          `json:"url"` // vote on the portal's page
}

// apiPollOption is one answer of a poll.
type apiPollOption struct {
	Position int    `json:"position"`
	Label    string `json:"label"`
}

func (h *HTTP) apiPolls(w http.ResponseWriter, r *http.Request) {
	if h.resident.Participation == nil {
		h.writeJSON(w, r, 0, nil, errNoModule)
		return
	}
	list, err := h.resident.Participation.Polls(r.Context(), false, nil)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	all := make([]apiPoll, len(list))
	for i, p := range list {
		// The list comes without the options; each poll's own read has
		// them (a city runs a few polls at a time).
		if p, err = h.resident.Participation.Poll(r.Context(), p.ID, false); err != nil {
			h.rd.Problem(w, r, err)
			return
		}
		all[i] = apiPoll{ID: p.ID, Title: p.Title, Question: p.Question, Multiple: p.Multiple, FreeAnswer: p.FreeAnswer,
			Area: p.AreaName, MinAge: p.MinAge, Status: p.Shown(h.svc.now()), ClosesAt: p.ClosesAt.UTC(), Options: []apiPollOption{},
			Ballots: p.Ballots, URL: "/polls/" + p.ID.String()}
		for _, o := range p.Options {
			all[i].Options = append(all[i].Options, apiPollOption{Position: o.Position, Label: o.Label})
		}
	}
	pg, err := paginate(r, all, func(p apiPoll) uuid.UUID { return p.ID })
	h.writeTagged(w, r, pg, err)
}
