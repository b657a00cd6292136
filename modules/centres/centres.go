// Package centres is what a service centre (ЦНАП) does with the people who
// come to it (issue 19; seed 001, CMU 72 and the Diia Centers platform;
// seed 000 annex 2, §4.11; DOMAIN.md Service centres): appointments booked
// online for a service at a time, the day's electronic queue with walk-in
// tickets, the clerks' calls to a window and the hall's calling display.
//
// The centres themselves, their services and the city's holidays are
// catalog's register; this module reads them through catalog's API and
// keeps what a centre needs to receive people: its weekly hours with a
// break, its windows and the services each serves, how long each service
// takes, and the visits. The anchors are Berlin's and Munich's ZMS
// (booking, walk-in tickets, the calling display, waiting times) and the
// complaint their users and those of Easy!Appointments and cal.com share:
// double booking under concurrency. Here the database refuses it: an
// exclusion constraint over (tenant, window, booked time) in migration
// 0023, so two people booking the last slot at the same instant get one
// booking and one "taken", whatever the application does.
package centres

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/docstore"
	"hromada/modules/notify"
	"hromada/tenant"
)

// MaxActive is how many bookings still to come one person may hold in a
// city at once: enough for a family's errands, too few to hoard a day's
// slots (the ZMS limit per e-mail address is of the same order).
const MaxActive = 3

// Horizon is how many days ahead a slot may be booked.
const Horizon = 30

// Errors people see.
var (
	ErrNotFound   = apperr.New(apperr.NotFound, "centres.error_not_found")
	ErrNoService  = apperr.New(apperr.Invalid, "centres.error_service")
	ErrNoSlot     = apperr.New(apperr.Invalid, "centres.error_slot")
	ErrSlotTaken  = apperr.New(apperr.Conflict, "centres.error_taken")
	ErrTooMany    = apperr.New(apperr.Conflict, "centres.error_too_many")
	ErrNotBooked  = apperr.New(apperr.Conflict, "centres.error_not_booked")
	ErrNotAllowed = apperr.New(apperr.Forbidden, "centres.error_forbidden")
)

// Status is a visit's state: booked → arrived → called → served |
// no_show; booked → cancelled | no_show. A walk-in ticket starts arrived.
type Status string

// The visit states.
const (
	Booked    Status = "booked"
	Cancelled Status = "cancelled"
	Arrived   Status = "arrived"
	Called    Status = "called"
	Served    Status = "served"
	NoShow    Status = "no_show"
)

// Visit is a booking or a walk-in ticket.
type Visit struct {
	ID           uuid.UUID
	Kind         string // booking | walk_in
	Code         string // the booking's code (a walk-in's too, unused)
	Ticket       string // З-003, А-012: what the hall display calls
	CentreCode   string
	CentreName   tenant.Text
	CentreAddr   tenant.Text
	ServiceCode  string
	ServiceName  tenant.Text
	Account      *uuid.UUID
	Window       int // the booked window's number (0: none)
	Start, End   time.Time
	Status       Status
	CreatedAt    time.Time
	ArrivedAt    *time.Time
	CalledAt     *time.Time
	CalledWindow int
	FinishedAt   *time.Time
}

// Active says the booking still holds its slot and may be changed.
func (v *Visit) Active() bool { return v.Status == Booked }

// Options configure the Service.
type Options struct {
	DB  *tenant.DB
	Log *slog.Logger
	// Notify posts the confirmations and reminders (the cabinet inbox and
	// the channels the person chose).
	Notify Poster
	// Audit records the staff's publications (vacancies, events,
	// materials) and their closures.
	Audit *audit.Service
	// Docs keeps the training materials' files.
	Docs docstore.Store
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

// Poster puts a notice in a person's inbox in the caller's transaction:
// *notify.Service.
type Poster interface {
	Post(ctx context.Context, tx pgx.Tx, n notify.Notice) (uuid.UUID, error)
}

// Service is the centres' appointments and queues. Each exported method is
// one transaction in the tenant in ctx; store.go holds its SQL.
type Service struct {
	db     *tenant.DB
	log    *slog.Logger
	notify Poster
	audit  *audit.Service
	docs   docstore.Store
	now    func() time.Time
}

// New returns the Service.
func New(o Options) *Service {
	s := &Service{db: o.DB, log: o.Log, notify: o.Notify, audit: o.Audit, docs: o.Docs, now: o.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}
