package participation

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/web"
)

// HTTP serves participation's pages.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// Routes mounts participation on r:
//
//	GET  /petitions                       published petitions                    public
//	GET  /petitions/new                   the draft form and the rules           own_participation:create
//	POST /petitions                       file a draft for moderation            own_participation:create
//	GET  /petitions/{id}                  a petition, its count, sign, answer    public (a draft: its author)
//	GET  /petitions/{id}/signers          the signers' names                     public
//	POST /petitions/{id}/sign             sign: one click, or a qualified        own_participation:create
//	                                      signature where the city requires it
//	GET  /petitions/{id}/signing.json     what a qualified signature signs       own_participation:create
//	GET  /admin/petitions                 moderation and answers                 petitions:read
//	GET  /admin/petitions/{id}            one petition for staff                 petitions:read
//	POST /admin/petitions/{id}/publish    publish                                petitions:approve
//	POST /admin/petitions/{id}/refuse     refuse with a reason                   petitions:approve
//	POST /admin/petitions/{id}/answer     the council's answer                   petitions:process
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	get, post := http.MethodGet, http.MethodPost
	own := access.Perm{Object: access.ObjOwnParticipation, Action: access.ActCreate}
	g.Public(r, get, "/petitions", h.handlePetitions)
	g.Route(r, get, "/petitions/new", own, h.handleNewPetition)
	g.Route(r, post, "/petitions", own, h.handleDraft)
	g.Public(r, get, "/petitions/{id}", h.handlePetition)
	g.Public(r, get, "/petitions/{id}/signers", h.handleSigners)
	g.Route(r, post, "/petitions/{id}/sign", own, h.handleSign)
	g.Route(r, get, "/petitions/{id}/signing.json", own, h.handleSigningText)

	g.Route(r, get, "/admin/petitions", access.Perm{Object: access.ObjPetitions, Action: access.ActRead}, h.handleStaffPetitions)
	g.Route(r, get, "/admin/petitions/{id}", access.Perm{Object: access.ObjPetitions, Action: access.ActRead}, h.handleStaffPetition)
	g.Route(r, post, "/admin/petitions/{id}/publish", access.Perm{Object: access.ObjPetitions, Action: access.ActApprove}, h.handlePublish)
	g.Route(r, post, "/admin/petitions/{id}/refuse", access.Perm{Object: access.ObjPetitions, Action: access.ActApprove}, h.handleRefuse)
	g.Route(r, post, "/admin/petitions/{id}/answer", access.Perm{Object: access.ObjPetitions, Action: access.ActProcess}, h.handleAnswer)
	h.pollRoutes(r, g)
}

// idParam is the {id} of the path; a malformed one is not found.
func idParam(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		return uuid.Nil, ErrNotFound
	}
	return id, nil
}

// messages are a form's errors in the request's language, by field.
func (h *HTTP) messages(r *http.Request, errs FieldErrors) map[string]string {
	l := h.rd.Localizer(r)
	out := make(map[string]string, len(errs))
	for f, e := range errs {
		out[f] = l.Message(e.Key, e.Args)
	}
	return out
}

// fieldErrors is err as a form's errors, or nil when it is another error.
func fieldErrors(err error) FieldErrors {
	var fe FieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}

// pageParam is the ?page= of a list, from 0.
func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// flash is the message key a redirect after a form names (?done=…),
// among the few a page knows.
func flash(r *http.Request, known ...string) string {
	d := r.URL.Query().Get("done")
	for _, k := range known {
		if d == k {
			return "particip.done_" + k
		}
	}
	return ""
}

// message is err as the person reads it, in the request's language.
func (h *HTTP) message(r *http.Request, err error) string {
	e := apperr.As(err)
	return h.rd.Localizer(r).Message(e.Key, e.Args)
}

// conflict reports whether err is a state the person can read about on
// the page itself (already signed, no longer open) rather than a failure.
func conflict(err error) bool {
	e := apperr.As(err)
	return e.Code == apperr.Conflict
}
