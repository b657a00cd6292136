package participation

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/web"
)

// pollRoutes mounts the polls, the poll officer's desk and the settings:
//
//	GET  /polls                           published and closed polls         public
//	GET  /polls/{id}                      a poll: vote, or its results       public
//	POST /polls/{id}/vote                 vote online                        own_participation:create
//	GET  /polls/{id}/results.csv          the results as CSV                 public (once shown)
//	GET  /admin/polls                     the city's polls, drafts too       polls:read
//	GET  /admin/polls/new                 a new poll's form                  polls:create
//	POST /admin/polls                     draft a poll                       polls:create
//	POST /admin/polls/{id}/publish        open it for votes                  polls:update (the poll's provider)
//	POST /admin/polls/{id}/close          close it now                       polls:update (the poll's provider)
//	GET  /work/polls?provider=            the same for a provider's polls,   polls:* (provider)
//	     /work/polls/new, /{id}/publish…  run by its head
//	GET  /work/paper-votes?provider=      the poll officer's desk            paper_votes:create (provider)
//	POST /work/paper-votes                record a paper ballot              paper_votes:create (provider)
//	GET  /admin/participation             the city's rules and code          tenant_settings:read
//	POST /admin/participation             change them                        tenant_settings:update
func (h *HTTP) pollRoutes(r chi.Router, g *access.Guard) {
	get, post := http.MethodGet, http.MethodPost
	g.Public(r, get, "/polls", h.handlePolls)
	g.Public(r, get, "/polls/{id}", h.handlePoll)
	g.Route(r, post, "/polls/{id}/vote", access.Perm{Object: access.ObjOwnParticipation, Action: access.ActCreate}, h.handleVote)
	g.Public(r, get, "/polls/{id}/results.csv", h.handleResultsCSV)

	for _, c := range []pollConsole{{base: "/admin/polls", role: access.RoleDispatcher}, {base: "/work/polls", role: access.RoleProviderHead}} {
		scopeQ, scopeF := access.ScopeFunc(nil), access.ScopeFunc(nil)
		if c.role == access.RoleProviderHead {
			scopeQ, scopeF = access.ScopeQuery, access.ScopeForm
		}
		row := access.ScopeOfRow("id", pollProvider)
		g.Route(r, get, c.base, access.Perm{Object: access.ObjPolls, Action: access.ActRead, Scope: scopeQ}, h.handleStaffPolls(c))
		g.Route(r, get, c.base+"/new", access.Perm{Object: access.ObjPolls, Action: access.ActCreate, Scope: scopeQ}, h.handleNewPoll(c))
		g.Route(r, post, c.base, access.Perm{Object: access.ObjPolls, Action: access.ActCreate, Scope: scopeF}, h.handleCreatePoll(c))
		g.Route(r, post, c.base+"/{id}/publish", access.Perm{Object: access.ObjPolls, Action: access.ActUpdate, Scope: row}, h.handleMovePoll(c, h.svc.PublishPoll, "poll_published"))
		g.Route(r, post, c.base+"/{id}/close", access.Perm{Object: access.ObjPolls, Action: access.ActUpdate, Scope: row}, h.handleMovePoll(c, h.svc.ClosePoll, "poll_closed"))
	}

	g.Route(r, get, "/work/paper-votes", access.Perm{Object: access.ObjPaperVotes, Action: access.ActCreate, Scope: access.ScopeQuery}, h.handleDesk)
	g.Route(r, post, "/work/paper-votes", access.Perm{Object: access.ObjPaperVotes, Action: access.ActCreate, Scope: access.ScopeForm}, h.handlePaperVote)

	g.Route(r, get, "/admin/participation", access.Perm{Object: access.ObjTenantSettings, Action: access.ActRead}, h.handleSettings)
	g.Route(r, post, "/admin/participation", access.Perm{Object: access.ObjTenantSettings, Action: access.ActUpdate}, h.handleSetSettings)
	h.openDataRoutes(r, g)
}

type pollsData struct {
	Polls []*Poll
	Now   time.Time
	Staff bool
	Flash string
	// The console's address and provider (staff pages).
	Base, Provider string
}

func (h *HTTP) handlePolls(w http.ResponseWriter, r *http.Request) {
	ps, err := h.svc.Polls(r.Context(), false, nil)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "participation/polls", &web.Page{TitleKey: "poll.list_title", Data: pollsData{Polls: ps, Now: h.svc.now()}})
}

type pollData struct {
	P       *Poll
	Now     time.Time
	Mine    *Ballot
	Results *Results
	Flash   string
	Error   string
	Errors  map[string]string
	Typed   Ballot
	Form    BallotForm
}

// BallotForm is the "ballot_fields" partial's data (web/templates/
// _participation.html): a poll's choices with what was typed or cast.
type BallotForm struct {
	Poll   *Poll
	Errors map[string]string
	Typed  Ballot
	L      *web.Localizer
	// Prefix keeps the ids of several polls' fields on one page apart.
	Prefix string
}

// Chosen reports whether the ballot chose position.
func (f BallotForm) Chosen(position int) bool { return slices.Contains(f.Typed.Choices, position) }

func (h *HTTP) renderPoll(w http.ResponseWriter, r *http.Request, status int, d pollData) {
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	ctx := r.Context()
	if d.P, err = h.svc.Poll(ctx, id, false); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if d.Mine, err = h.svc.MyBallot(ctx, id); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d.Now = h.svc.now()
	typed := d.Typed
	if len(typed.Choices) == 0 && d.Mine != nil {
		typed = *d.Mine
	}
	d.Form = BallotForm{Poll: d.P, Errors: d.Errors, Typed: typed, L: h.rd.Localizer(r)}
	if d.P.ResultsShown(d.Now) {
		if d.Results, err = h.svc.Results(ctx, id); err != nil {
			h.rd.Error(w, r, err)
			return
		}
	}
	h.rd.Render(w, r, status, "participation/poll", &web.Page{Title: d.P.Title, Data: d})
}

func (h *HTTP) handlePoll(w http.ResponseWriter, r *http.Request) {
	h.renderPoll(w, r, http.StatusOK, pollData{Flash: flash(r, "voted")})
}

// ballotOfForm reads the choices and the free answer of a ballot form.
func ballotOfForm(r *http.Request) Ballot {
	b := Ballot{Free: r.PostForm.Get("free")}
	for _, v := range r.PostForm["choice"] {
		if n, err := strconv.Atoi(v); err == nil {
			b.Choices = append(b.Choices, n)
		}
	}
	return b
}

func (h *HTTP) handleVote(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	b := ballotOfForm(r)
	err = h.svc.Vote(r.Context(), id, b)
	if err == nil {
		http.Redirect(w, r, "/polls/"+id.String()+"?done=voted", http.StatusSeeOther)
		return
	}
	if errs := fieldErrors(err); errs != nil {
		h.renderPoll(w, r, http.StatusUnprocessableEntity, pollData{Errors: h.messages(r, errs), Typed: b})
		return
	}
	// Refusals the voter reads on the poll's page: not eligible, voted
	// already, the poll closed, the register not answering.
	if e := apperr.As(err); e.Code != apperr.Internal {
		h.renderPoll(w, r, apperr.Status(e.Code), pollData{Error: h.message(r, err), Typed: b})
		return
	}
	h.rd.Error(w, r, err)
}

func (h *HTTP) handleResultsCSV(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	res, err := h.svc.Results(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="poll-`+id.String()+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"option", "label", "votes", "percent_of_ballots"})
	for _, o := range res.Options {
		_ = cw.Write([]string{strconv.Itoa(o.Position), o.Label, strconv.Itoa(o.Votes), strconv.Itoa(o.Percent)})
	}
	_ = cw.Write([]string{"", "ballots_total", strconv.Itoa(res.Ballots), ""})
	_ = cw.Write([]string{"", "ballots_online", strconv.Itoa(res.Online), ""})
	_ = cw.Write([]string{"", "ballots_paper", strconv.Itoa(res.Paper), ""})
	cw.Flush()
}

// pollConsole is where polls are run: the dispatcher's city console
// (/admin/polls) or a provider head's (/work/polls?provider=…).
type pollConsole struct {
	base string
	role string // the role the person acts in there, as the audit log records it
}

// provider is the provider a provider console's request is about (query
// or form); nil on the city console.
func (c pollConsole) provider(r *http.Request) *uuid.UUID {
	if c.role != access.RoleProviderHead {
		return nil
	}
	p := access.QueryProvider(r)
	if r.Method == http.MethodPost {
		p = access.FormProvider(r)
	}
	id, err := uuid.Parse(p)
	if err != nil {
		return &uuid.Nil // no provider: nothing of any provider's
	}
	return &id
}

// back is the console's list, for provider.
func (c pollConsole) back(provider *uuid.UUID, done string) string {
	q := url.Values{"done": {done}}
	if provider != nil {
		q.Set("provider", provider.String())
	}
	return c.base + "?" + q.Encode()
}

func (h *HTTP) handleStaffPolls(c pollConsole) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		prov := c.provider(r)
		ps, err := h.svc.Polls(r.Context(), true, prov)
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		h.rd.Render(w, r, http.StatusOK, "participation/admin_polls", &web.Page{TitleKey: "poll.staff_title",
			Data: pollsData{Polls: ps, Now: h.svc.now(), Staff: true, Base: c.base, Provider: idString(prov),
				Flash: flash(r, "poll_created", "poll_published", "poll_closed")}})
	}
}

// idString is id as a form carries it, "" for none.
func idString(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return id.String()
}

type newPollData struct {
	Form     PollForm
	Areas    []Area
	Errors   map[string]string
	Base     string
	Provider string
}

func (h *HTTP) renderNewPoll(w http.ResponseWriter, r *http.Request, status int, d newPollData) {
	var err error
	if d.Areas, err = h.svc.Areas(r.Context()); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, status, "participation/admin_poll_new", &web.Page{TitleKey: "poll.new_title", Data: d})
}

func (h *HTTP) handleNewPoll(c pollConsole) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.renderNewPoll(w, r, http.StatusOK, newPollData{Form: PollForm{MinAge: "18"}, Base: c.base, Provider: idString(c.provider(r))})
	}
}

func (h *HTTP) handleCreatePoll(c pollConsole) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			h.rd.Error(w, r, err)
			return
		}
		prov := c.provider(r)
		on := func(k string) bool { return r.PostForm.Get(k) == "yes" }
		f := PollForm{Provider: idString(prov), Title: r.PostForm.Get("title"), Question: r.PostForm.Get("question"), Options: r.PostForm.Get("options"),
			Multiple: r.PostForm.Get("kind") == "multiple", FreeAnswer: on("free_answer"), Area: r.PostForm.Get("area"),
			MinAge: r.PostForm.Get("min_age"), Changeable: on("changeable"), LiveResults: on("live_results"), ClosesOn: r.PostForm.Get("closes_on")}
		_, err := h.svc.CreatePoll(r.Context(), c.role, f)
		if errs := fieldErrors(err); errs != nil {
			h.renderNewPoll(w, r, http.StatusUnprocessableEntity, newPollData{Form: f, Errors: h.messages(r, errs), Base: c.base, Provider: f.Provider})
			return
		}
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		http.Redirect(w, r, c.back(prov, "poll_created"), http.StatusSeeOther)
	}
}

func (h *HTTP) handleMovePoll(c pollConsole, move func(context.Context, string, uuid.UUID) error, done string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := idParam(r)
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		if err := move(r.Context(), c.role, id); err != nil {
			h.rd.Error(w, r, err)
			return
		}
		http.Redirect(w, r, c.back(c.provider(r), done), http.StatusSeeOther)
	}
}
