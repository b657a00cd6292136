package centres

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"hromada/modules/access"
	"hromada/web"
)

// The centres' pages, one file per group, each read top to bottom: the
// resident's booking (http_book.go). Handlers parse, call the Service and
// render: no SQL, no transaction of their own.

// HTTP is the centres' pages.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the pages over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

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
}
