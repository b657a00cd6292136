package registries

import (
	"net/http"
	"regexp"
	"time"

	"github.com/go-chi/chi/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/identity"
	"hromada/web"
)

// HTTP holds the resident's page of the registry queries made about them
// (seed 000 §4.2: who looked at my data, and why).
type HTTP struct {
	store *Store
	rd    *web.Renderer
}

// NewHTTP returns the page over store.
func NewHTTP(store *Store, rd *web.Renderer) *HTTP { return &HTTP{store: store, rd: rd} }

// Routes mounts the page behind g:
//
//	GET /cabinet/data-requests   the queries about the signed-in person   own_profile:read
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	g.Route(r, http.MethodGet, "/cabinet/data-requests", access.Perm{Object: access.ObjOwnProfile, Action: access.ActRead}, h.handleMine)
}

// MyQuery is one query about the person as the page shows it: which
// register, when, why, and whether it answered. The query's body and the
// answer stay in the registries; the log keeps neither.
type MyQuery struct {
	At       time.Time
	Register string // our code: residents, vehicles, benefits, land
	// Service is the service whose application the query served, when its
	// purpose names one; Autofill when it filled the person's own form.
	Service  string
	Autofill bool
	Outcome  Outcome
}

// serviceCode is the form of a register's service code (KY-0004): the
// purpose the automatic mode gives its queries.
var serviceCode = regexp.MustCompile(`^[A-Z]{2}-[0-9]{4}$`)

// myQueriesLimit is how many of the latest queries the page shows.
const myQueriesLimit = 200

func (h *HTTP) handleMine(w http.ResponseWriter, r *http.Request) {
	sg := identity.SignedFrom(r.Context())
	if sg == nil || sg.RNOKPP == "" {
		// A session from before the РНОКПП was kept in it: signing in
		// again makes one that has it.
		h.rd.Error(w, r, apperr.New(apperr.Forbidden, "registries.sign_in_again"))
		return
	}
	qs, err := h.store.Queries(r.Context(), QueryFilter{Subject: sg.RNOKPP, Limit: myQueriesLimit})
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	out := make([]MyQuery, 0, len(qs))
	for _, q := range qs {
		m := MyQuery{At: q.At, Register: registerOf(q.ServiceCode), Outcome: q.Outcome}
		for _, p := range q.Purposes {
			switch {
			case p == PurposeAutofill:
				m.Autofill = true
			case serviceCode.MatchString(p):
				m.Service = p
			}
		}
		out = append(out, m)
	}
	h.rd.Render(w, r, http.StatusOK, "registries/mine", &web.Page{TitleKey: "registries.mine_title", Data: out})
}

// registerOf is the register a query's service code names on the page:
// one of the four the platform reads, else "other" — a call that carried
// the person's data elsewhere on the exchange (an application handed to a
// provider's own system over Trembita, modules/provsys).
func registerOf(code string) string {
	switch code {
	case CodeResidents, CodeVehicles, CodeBenefits, CodeLand:
		return code
	}
	return "other"
}
