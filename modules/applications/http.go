package applications

import (
	"net/http"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/modules/catalog"
	"hromada/modules/forms"
	"hromada/web"
)

// The applications' pages, one file per group of pages, each read top to
// bottom: the resident's draft (http_apply.go), the resident's cabinet
// (http_cabinet.go), the officials' workspace (http_work.go), the form and
// rule set editors (http_formedit.go, http_rulesedit.go) and the public
// verification page (http_verify.go). Handlers parse, call the Service and
// render: no SQL, no transaction of their own.

// HTTP is the applications' pages: the resident's forms and cabinet, and
// the officials' workspace. The signed-in person comes from the request's
// context (identity's session), through the Service.
type HTTP struct {
	Svc   *Service
	Guard *access.Guard
	RD    *web.Renderer

	placesOnce sync.Once
	codifier   *forms.Codifier // see places
}

// Routes mounts every page of applications on r: the resident's, the
// officials', the editors' of forms and rule sets behind the guard, each
// with the permission it needs, and the public verification page, marked
// public where it is mounted.
//
// The resident's draft, step by step (http_apply.go):
//
//	GET  /services/{code}/apply                   the draft to continue, or the start page  own_applications:read
//	POST /services/{code}/apply                   start or resume a draft      own_applications:create
//	GET  /cabinet/applications/{id}/steps/{n}     a step of the form           own_applications:update
//	POST /cabinet/applications/{id}/steps/{n}     save it (and go on)          own_applications:update
//	GET  /places?q=                               settlements by name (the address picker; public)
//	GET  /cabinet/applications/{id}/files         the attachments step         own_applications:update
//	POST /cabinet/applications/{id}/files         attach a file                own_applications:update
//	POST /cabinet/applications/{id}/files/{file}/delete                        own_applications:update
//	GET  /cabinet/applications/{id}/review        check and sign               own_applications:update
//	GET  /cabinet/applications/{id}/canonical     the bytes to sign            own_applications:read
//	POST /cabinet/applications/{id}/sign          sign and submit              own_applications:update
//	POST /cabinet/applications/{id}/pay           a fee paid first: its invoice  own_applications:update
//	POST /cabinet/applications/{id}/discard       delete a draft               own_applications:delete
//
// The resident's cabinet (http_cabinet.go):
//
//	GET  /cabinet                                 applications, drafts, inbox  own_applications:read
//	GET  /cabinet/applications/{id}               one, with its timeline       own_applications:read
//	GET  /cabinet/applications/{id}/status        its timeline as JSON (polled) own_applications:read
//	GET  /cabinet/applications/{id}/files/{file}  a document                   own_documents:read
//	POST /cabinet/applications/{id}/withdraw      withdraw                     own_applications:update
//	POST /cabinet/applications/{id}/answer        answer a clarification       own_applications:update
//	POST /cabinet/applications/{id}/rating        rate the result, once decided own_applications:update
//
// The officials' workspace (seed 003 §5.6, §3.1.9; http_work.go):
//
//	GET  /work/applications?provider=        the provider's queue     applications:read at the provider
//	GET  /work/applications/{id}             one application (audited) applications:read at its provider
//	GET  /work/applications/{id}/files/{file}                          applications:read at its provider
//	POST /work/applications/{id}/take        take into work           applications:process at its provider
//	POST /work/applications/{id}/clarify     ask for clarification    applications:process at its provider
//	POST /work/applications/{id}/decide      approve or refuse        applications:process at its provider
//	POST /work/applications/{id}/issue       sign and issue the result applications:process at its provider
//	POST /work/applications/{id}/extend      extend the term (audited) applications:process at its provider
//	POST /work/applications/{id}/reassign    hand to another official  applications:assign at its provider
//
// The form editor (http_formedit.go) and the rule set editor
// (http_rulesedit.go):
//
//	GET  /admin/services/{code}/form    versions, the published one's steps, a proposal form  service_revisions:read at its provider
//	POST /admin/services/{code}/form    propose a version                  service_revisions:create at its provider
//	POST /admin/forms/{id}/publish      publish                            service_revisions:approve at its provider
//	POST /admin/forms/{id}/return       return with a comment              service_revisions:approve at its provider
//	GET  /admin/services/{code}/rules   versions and the editor            service_revisions:read at its provider
//	POST /admin/services/{code}/rules   propose, or try (action=dry-run)   service_revisions:create at its provider
//	POST /admin/rules/{id}/publish      publish                            service_revisions:approve at its provider
//	POST /admin/rules/{id}/return       return with a comment              service_revisions:approve at its provider
//
// Public, the result document's verification, the QR code's target
// (http_verify.go):
//
//	GET  /verify/{id}   the document's verification
//	POST /verify/{id}   compare an uploaded copy with the original (nothing is kept)
func (h *HTTP) Routes(r chi.Router) {
	g := h.Guard
	own := func(act string) access.Perm { return access.Perm{Object: access.ObjOwnApplications, Action: act} }
	g.Route(r, http.MethodGet, "/services/{code}/apply", own(access.ActRead), h.handleStarting)
	g.Route(r, http.MethodPost, "/services/{code}/apply", own(access.ActCreate), h.handleStart)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/steps/{n}", own(access.ActUpdate), h.handleStep)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/steps/{n}", own(access.ActUpdate), h.handleSaveStep)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/files", own(access.ActUpdate), h.handleFiles)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/files", own(access.ActUpdate), h.handleAttach)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/files/{file}/delete", own(access.ActUpdate), h.handleDetach)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/review", own(access.ActUpdate), h.handleReview)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/canonical", own(access.ActRead), h.handleCanonical)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/sign", own(access.ActUpdate), h.handleSign)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/pay", own(access.ActUpdate), h.handlePayFirst)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/discard", own(access.ActDelete), h.handleDiscard)

	g.Route(r, http.MethodGet, "/cabinet", own(access.ActRead), h.handleCabinet)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}", own(access.ActRead), h.handleView)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/status", own(access.ActRead), h.handleStatus)
	g.Route(r, http.MethodGet, "/cabinet/applications/{id}/files/{file}", access.Perm{Object: access.ObjOwnDocuments, Action: access.ActRead}, h.handleFile)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/withdraw", own(access.ActUpdate), h.handleWithdraw)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/answer", own(access.ActUpdate), h.handleAnswer)
	g.Route(r, http.MethodPost, "/cabinet/applications/{id}/rating", own(access.ActUpdate), h.handleRateResult)

	read := access.Perm{Object: access.ObjApplications, Action: access.ActRead, Scope: access.ScopeOfRow("id", providerOf)}
	process := access.Perm{Object: access.ObjApplications, Action: access.ActProcess, Scope: access.ScopeOfRow("id", providerOf)}
	g.Route(r, http.MethodGet, "/work/applications", access.Perm{Object: access.ObjApplications, Action: access.ActRead, Scope: access.ScopeQuery}, h.handleQueue)
	g.Route(r, http.MethodGet, "/work/applications/{id}", read, h.handleWorkView)
	g.Route(r, http.MethodGet, "/work/applications/{id}/files/{file}", read, h.handleWorkFile)
	g.Route(r, http.MethodPost, "/work/applications/{id}/take", process, h.handleTake)
	g.Route(r, http.MethodPost, "/work/applications/{id}/clarify", process, h.handleClarify)
	g.Route(r, http.MethodPost, "/work/applications/{id}/decide", process, h.handleDecide)
	g.Route(r, http.MethodPost, "/work/applications/{id}/issue", process, h.handleIssue)
	g.Route(r, http.MethodPost, "/work/applications/{id}/extend", process, h.handleExtend)
	g.Route(r, http.MethodPost, "/work/applications/{id}/reassign",
		access.Perm{Object: access.ObjApplications, Action: access.ActAssign, Scope: access.ScopeOfRow("id", providerOf)}, h.handleReassign)

	revisions := func(act string, scope access.ScopeFunc) access.Perm {
		return access.Perm{Object: access.ObjServiceRevisions, Action: act, Scope: scope}
	}
	formScope, rulesScope := access.ScopeOfRow("id", formProvider), access.ScopeOfRow("id", rulesProvider)
	g.Route(r, http.MethodGet, "/admin/services/{code}/form", revisions(access.ActRead, catalog.ScopeService), h.handleFormEdit)
	g.Route(r, http.MethodPost, "/admin/services/{code}/form", revisions(access.ActCreate, catalog.ScopeService), h.handleFormPropose)
	g.Route(r, http.MethodPost, "/admin/forms/{id}/publish", revisions(access.ActApprove, formScope), h.handleFormDecide(true))
	g.Route(r, http.MethodPost, "/admin/forms/{id}/return", revisions(access.ActApprove, formScope), h.handleFormDecide(false))
	g.Route(r, http.MethodGet, "/admin/services/{code}/rules", revisions(access.ActRead, catalog.ScopeService), h.handleRulesEdit)
	g.Route(r, http.MethodPost, "/admin/services/{code}/rules", revisions(access.ActCreate, catalog.ScopeService), h.handleRulesPropose)
	g.Route(r, http.MethodPost, "/admin/rules/{id}/publish", revisions(access.ActApprove, rulesScope), h.handleRulesDecide(true))
	g.Route(r, http.MethodPost, "/admin/rules/{id}/return", revisions(access.ActApprove, rulesScope), h.handleRulesDecide(false))

	g.Public(r, http.MethodGet, "/places", h.handlePlaces)
	g.Public(r, http.MethodGet, "/verify/{id}", h.handleVerify)
	g.Public(r, http.MethodPost, "/verify/{id}", h.handleVerify)
}

// who is the signed-in person and whose applications they reach; false
// when the error page is written.
func (h *HTTP) who(w http.ResponseWriter, r *http.Request) (Person, Owner, bool) {
	p, o, err := h.Svc.Signed(r.Context())
	if err != nil {
		h.RD.Error(w, r, err)
		return p, o, false
	}
	return p, o, true
}

func pathID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, name))
	if err != nil {
		return uuid.Nil, ErrNotFound
	}
	return id, nil
}
