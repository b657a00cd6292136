package appeals

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/web"
)

// HTTP is the appeals' pages: the resident's filing and cabinet
// (http_resident.go), the officials' workspace (http_work.go) and the
// dispatcher's routing (http_routing.go). Handlers parse, call the
// Service and render: no SQL, no transaction of their own.
type HTTP struct {
	Svc *Service
	RD  *web.Renderer
	// Tiles is the maps' tile source on the portal's own origin
	// (HROMADA_MAP_TILES, as the centres' map has it), "" for none.
	Tiles string
}

// Routes mounts the appeals' pages on r behind the guard, each with the
// permission it needs:
//
// The resident's (http_resident.go):
//
//	GET  /appeals/new                          the form; the law's refusal for an anonymous visitor  public
//	POST /appeals/new                          file                           own_appeals:create
//	GET  /cabinet/appeals                      the resident's appeals         own_appeals:read
//	GET  /cabinet/appeals/{id}                 one, with its thread           own_appeals:read
//	GET  /cabinet/appeals/{id}/files/{file}    a file (the signed answer)     own_appeals:read
//	POST /cabinet/appeals/{id}/reply           answer the official's question own_appeals:update
//	POST /cabinet/appeals/{id}/rate            rate the answer                own_appeals:update
//
// (A complaint about an answer is filed at /appeals/new?appeal={id}.)
//
// Anyone's (http_public.go):
//
//	GET  /appeals/public?category=&status=&district=&page=   the published appeals, listed and on a map  public
//	GET  /appeals/public/{id}                  one published appeal           public
//
// The officials' (http_work.go):
//
//	GET  /work/appeals?provider=               the provider's queue           appeals:read at the provider
//	GET  /work/appeals/{id}                    one appeal                     appeals:read at its provider
//	GET  /work/appeals/{id}/files/{file}                                      appeals:read at its provider
//	POST /work/appeals/{id}/take               take into work                 appeals:process at its provider
//	POST /work/appeals/{id}/ask                ask the resident               appeals:process at its provider
//	POST /work/appeals/{id}/extend             extend the term                appeals:process at its provider
//	POST /work/appeals/{id}/forward            forward (not competent)        appeals:process at its provider
//	POST /work/appeals/{id}/answer             answer, signed                 appeals:process at its provider
//
// The dispatcher's (http_routing.go):
//
//	GET  /admin/appeals/routing                the rules, the unrouted appeals, a dry run  appeals:assign
//	POST /admin/appeals/routing                add a rule, or try one (action=dry-run)     appeals:assign
//	POST /admin/appeals/routing/{rule}/delete  remove a rule                  appeals:assign
//	POST /admin/appeals/{id}/send              send an unrouted appeal        appeals:assign
//	POST /admin/appeals/open311-keys           a key for an Open311 client (shown once)   appeals:assign
//
// Open311 GeoReport v2 under /open311/v2/ (http_open311.go), public.
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	own := func(act string) access.Perm { return access.Perm{Object: access.ObjOwnAppeals, Action: act} }
	g.Public(r, http.MethodGet, "/appeals/new", h.handleNew)
	g.Route(r, http.MethodPost, "/appeals/new", own(access.ActCreate), h.handleFile)
	g.Route(r, http.MethodGet, "/cabinet/appeals", own(access.ActRead), h.handleMine)
	g.Route(r, http.MethodGet, "/cabinet/appeals/{id}", own(access.ActRead), h.handleOwn)
	g.Route(r, http.MethodGet, "/cabinet/appeals/{id}/files/{file}", own(access.ActRead), h.handleOwnFile)
	g.Route(r, http.MethodPost, "/cabinet/appeals/{id}/reply", own(access.ActUpdate), h.handleReply)
	g.Route(r, http.MethodPost, "/cabinet/appeals/{id}/rate", own(access.ActUpdate), h.handleRate)
	g.Public(r, http.MethodGet, "/appeals/public", h.handlePublic)
	g.Public(r, http.MethodGet, "/appeals/public/{id}", h.handlePublicOne)

	read := access.Perm{Object: access.ObjAppeals, Action: access.ActRead, Scope: access.ScopeOfRow("id", providerOf)}
	process := access.Perm{Object: access.ObjAppeals, Action: access.ActProcess, Scope: access.ScopeOfRow("id", providerOf)}
	g.Route(r, http.MethodGet, "/work/appeals", access.Perm{Object: access.ObjAppeals, Action: access.ActRead, Scope: access.ScopeQuery}, h.handleQueue)
	g.Route(r, http.MethodGet, "/work/appeals/{id}", read, h.handleWork)
	g.Route(r, http.MethodGet, "/work/appeals/{id}/files/{file}", read, h.handleWorkFile)
	g.Route(r, http.MethodPost, "/work/appeals/{id}/take", process, h.handleTake)
	g.Route(r, http.MethodPost, "/work/appeals/{id}/ask", process, h.handleAsk)
	g.Route(r, http.MethodPost, "/work/appeals/{id}/extend", process, h.handleExtend)
	g.Route(r, http.MethodPost, "/work/appeals/{id}/forward", process, h.handleForward)
	g.Route(r, http.MethodPost, "/work/appeals/{id}/answer", process, h.handleAnswer)

	assign := access.Perm{Object: access.ObjAppeals, Action: access.ActAssign}
	g.Route(r, http.MethodGet, "/admin/appeals/routing", assign, h.handleRouting)
	g.Route(r, http.MethodPost, "/admin/appeals/routing", assign, h.handleRoutingPost)
	g.Route(r, http.MethodPost, "/admin/appeals/routing/{rule}/delete", assign, h.handleRuleDelete)
	g.Route(r, http.MethodPost, "/admin/appeals/{id}/send", assign, h.handleSend)
	g.Route(r, http.MethodPost, "/admin/appeals/open311-keys", assign, h.handleNewKey)
	h.routes311(r, g)
}

func pathID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, name))
	if err != nil {
		return uuid.Nil, ErrNotFound
	}
	return id, nil
}

// shown is the message of an error a page shows in place (a refused
// action the person can correct), "" for one the error page shows.
func (h *HTTP) shown(r *http.Request, err error) string {
	if e := apperr.As(err); e != nil && e.Code != apperr.Internal && !errors.Is(err, ErrNotFound) {
		return h.RD.Localizer(r).Message(e.Key, e.Args)
	}
	return ""
}
