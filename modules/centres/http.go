package centres

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"hromada/modules/access"
	"hromada/web"
)

// The centres' pages, one file per group, each read top to bottom: the
// resident's booking (http_book.go), the clerks' queue and the hall's
// display (http_queue.go). Handlers parse, call the Service and
// render: no SQL, no transaction of their own.

// HTTP is the centres' pages.
type HTTP struct {
	svc   *Service
	rd    *web.Renderer
	tiles string
	// Appeals, when set, gives the published appeals the map shows beside
	// the centres (issue 18: reports about public things on the centres'
	// map); the root wires it to the appeals module.
	Appeals func(ctx context.Context, lang string) ([]MapAppeal, error)
}

// NewHTTP returns the pages over svc; tiles is the map's tile path
// template on the portal's origin ("": no tiles).
func NewHTTP(svc *Service, rd *web.Renderer, tiles string) *HTTP {
	return &HTTP{svc: svc, rd: rd, tiles: tiles}
}

// Routes mounts the centres' pages on r through g.
//
// The resident's booking (http_book.go): pick a centre (when coming from
// a service's page), a service, a day and a time; then the booking's own
// page with its calendar file, a move and a cancellation.
//
//	GET  /book?centre=&service=&day=              the picker                 own_bookings:create
//	POST /book                                    book the time chosen       own_bookings:create
//	GET  /cabinet/bookings                        the person's bookings      own_bookings:read
//	GET  /cabinet/bookings/{code}                 one, with its code         own_bookings:read
//	GET  /cabinet/bookings/{code}/calendar.ics    its calendar file          own_bookings:read
//	GET  /cabinet/bookings/{code}/move?day=       pick another time          own_bookings:update
//	POST /cabinet/bookings/{code}/move            move it                    own_bookings:update
//	POST /cabinet/bookings/{code}/cancel          cancel it                  own_bookings:update
//	POST /cabinet/bookings/{code}/rating          rate it, once served       own_bookings:update
//
// The clerks' day at a centre (http_queue.go), at the provider running it
// (ScopeCentre):
//
//	GET  /work/centres?provider=                     the centres it runs       centre_queue:read
//	GET  /work/centres/{code}/queue?window=          the day's queue           centre_queue:read
//	POST /work/centres/{code}/call                   call the next to a window centre_queue:process
//	POST /work/centres/{code}/walk-in                a walk-in's ticket        centre_queue:process
//	POST /work/centres/{code}/visits/{id}/checkin    a booked person arrived   centre_queue:process
//	POST /work/centres/{code}/visits/{id}/served     served                    centre_queue:process
//	POST /work/centres/{code}/visits/{id}/no-show    did not come              centre_queue:process
//	GET  /work/centres/{code}/ratings                its ratings to answer     centre_queue:update
//	POST /work/centres/{code}/ratings/{visit}/answer answer one publicly       centre_queue:update
//
// Public, the hall's calling display (its link's key is its credential)
// and the centre's ratings with the provider's answers (http_ratings.go):
//
//	GET  /centres/{code}/display?key=
//	GET  /centres/{code}/ratings
//	GET  /centres/map            every centre on a map and in a list beside it (http_map.go)
//
// What centres publish (http_staff.go): public vacancies and events; a
// centre's staff page of each, at the provider running it or the
// dispatcher (centre_content); the staff's materials (centre_materials,
// at the official's provider, ?provider= or the form's provider field):
//
//	GET  /centres/vacancies                            every centre's open vacancies
//	GET  /centres/{code}/vacancies                     one centre's
//	GET  /centres/events?month=2026-12                 the month's events, a list by day
//	GET  /centres/events/{id}/calendar.ics             an event's calendar file
//	GET  /work/centres/{code}/vacancies                its vacancies, the form     centre_content:create
//	POST /work/centres/{code}/vacancies                publish one                  centre_content:create
//	POST /work/centres/{code}/vacancies/{id}/close     close one                    centre_content:update
//	GET  /work/centres/{code}/events                   its events, the form         centre_content:create
//	POST /work/centres/{code}/events                   publish one                  centre_content:create
//	POST /work/centres/{code}/events/{id}/cancel       cancel one                   centre_content:update
//	GET  /work/centres/{code}/setup                    hours, windows, lengths      centre_content:update
//	POST /work/centres/{code}/setup                    save them (bookings kept)    centre_content:update
//	GET  /work/materials?provider=                     the materials                centre_materials:read
//	POST /work/materials                               add one (multipart)          centre_materials:create
//	GET  /work/materials/{id}?provider=                one                          centre_materials:read
//	GET  /work/materials/{id}/file?provider=           its file                     centre_materials:read
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	own := func(act string) access.Perm { return access.Perm{Object: access.ObjOwnBookings, Action: act} }
	g.Route(r, http.MethodGet, "/book", own(access.ActCreate), h.handlePicker)
	g.Route(r, http.MethodPost, "/book", own(access.ActCreate), h.handleBook)
	g.Route(r, http.MethodGet, "/cabinet/bookings", own(access.ActRead), h.handleMine)
	g.Route(r, http.MethodGet, "/cabinet/bookings/{code}", own(access.ActRead), h.handleBooking)
	g.Route(r, http.MethodGet, "/cabinet/bookings/{code}/calendar.ics", own(access.ActRead), h.handleICS)
	g.Route(r, http.MethodGet, "/cabinet/bookings/{code}/move", own(access.ActUpdate), h.handleMovePicker)
	g.Route(r, http.MethodPost, "/cabinet/bookings/{code}/move", own(access.ActUpdate), h.handleMove)
	g.Route(r, http.MethodPost, "/cabinet/bookings/{code}/cancel", own(access.ActUpdate), h.handleCancel)
	g.Route(r, http.MethodPost, "/cabinet/bookings/{code}/rating", own(access.ActUpdate), h.handleRate)

	queue := func(act string) access.Perm {
		return access.Perm{Object: access.ObjCentreQueue, Action: act, Scope: ScopeCentre}
	}
	g.Route(r, http.MethodGet, "/work/centres", access.Perm{Object: access.ObjCentreQueue, Action: access.ActRead, Scope: access.ScopeQuery}, h.handleRun)
	g.Route(r, http.MethodGet, "/work/centres/{code}/queue", queue(access.ActRead), h.handleQueue)
	g.Route(r, http.MethodPost, "/work/centres/{code}/call", queue(access.ActProcess), h.handleCall)
	g.Route(r, http.MethodPost, "/work/centres/{code}/walk-in", queue(access.ActProcess), h.handleWalkIn)
	g.Route(r, http.MethodPost, "/work/centres/{code}/visits/{id}/checkin", queue(access.ActProcess), h.handleVisit("checked_in"))
	g.Route(r, http.MethodPost, "/work/centres/{code}/visits/{id}/served", queue(access.ActProcess), h.handleVisit("served"))
	g.Route(r, http.MethodPost, "/work/centres/{code}/visits/{id}/no-show", queue(access.ActProcess), h.handleVisit("no_show"))

	g.Route(r, http.MethodGet, "/work/centres/{code}/ratings", queue(access.ActUpdate), h.handleAnswers)
	g.Route(r, http.MethodPost, "/work/centres/{code}/ratings/{visit}/answer", queue(access.ActUpdate), h.handleAnswer)

	g.Public(r, http.MethodGet, "/centres/{code}/display", h.handleDisplay)
	g.Public(r, http.MethodGet, "/centres/{code}/ratings", h.handleRatings)
	g.Public(r, http.MethodGet, "/centres/map", h.handleMap)

	g.Public(r, http.MethodGet, "/centres/vacancies", h.handleVacancies)
	g.Public(r, http.MethodGet, "/centres/{code}/vacancies", h.handleVacancies)
	g.Public(r, http.MethodGet, "/centres/events", h.handleEvents)
	g.Public(r, http.MethodGet, "/centres/events/{id}/calendar.ics", h.handleEventICS)
	pub := func(act string) access.Perm {
		return access.Perm{Object: access.ObjCentreContent, Action: act, Scope: ScopeCentre}
	}
	g.Route(r, http.MethodGet, "/work/centres/{code}/vacancies", pub(access.ActCreate), h.handleWorkVacancies)
	g.Route(r, http.MethodPost, "/work/centres/{code}/vacancies", pub(access.ActCreate), h.handlePublishVacancy)
	g.Route(r, http.MethodPost, "/work/centres/{code}/vacancies/{id}/close", pub(access.ActUpdate), h.handleCloseVacancy)
	g.Route(r, http.MethodGet, "/work/centres/{code}/events", pub(access.ActCreate), h.handleWorkEvents)
	g.Route(r, http.MethodPost, "/work/centres/{code}/events", pub(access.ActCreate), h.handlePublishEvent)
	g.Route(r, http.MethodPost, "/work/centres/{code}/events/{id}/cancel", pub(access.ActUpdate), h.handleCancelEvent)
	g.Route(r, http.MethodGet, "/work/centres/{code}/setup", pub(access.ActUpdate), h.handleSetup)
	g.Route(r, http.MethodPost, "/work/centres/{code}/setup", pub(access.ActUpdate), h.handleSaveSetup)
	read := access.Perm{Object: access.ObjCentreMaterials, Action: access.ActRead, Scope: access.ScopeQuery}
	g.Route(r, http.MethodGet, "/work/materials", read, h.handleMaterials)
	g.Route(r, http.MethodPost, "/work/materials", access.Perm{Object: access.ObjCentreMaterials, Action: access.ActCreate, Scope: access.ScopeForm}, h.handlePublishMaterial)
	g.Route(r, http.MethodGet, "/work/materials/{id}", read, h.handleMaterial)
	g.Route(r, http.MethodGet, "/work/materials/{id}/file", read, h.handleMaterialFile)
}
