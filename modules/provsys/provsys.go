// Package provsys hands applications to providers' own information systems
// and takes back what they answer (seed 003 §5.4–5.7, §5.10; issue 26;
// docs/integrations.md). A provider, or one of its services, has a delivery
// route: the officials' workspace (the default, no route needed), a signed
// webhook, a pull API the system polls, or a Trembita call. Where a
// submitted application becomes its provider's work (applications'
// Handover seam), a routed application gets a delivery row, and for a
// webhook a River job, in the submission's own transaction: the delivery
// exists if and only if the submission committed (a transactional outbox,
// as modules/notify delivers notices).
//
// A message carries the application's canonical bytes and the resident's
// CMS, the attachments by reference (a link with a short-lived token) with
// their SHA-256, and the deadline; it is signed (detached CAdES) with the
// provider's e-seal (documents.ActiveSeal). Its id is the application's id
// and the kind, so a system that sees it twice (a retry after a lost
// answer) knows it is the same. The receipt (seed 003 §5.10) is the
// moment of sending and the moment the system confirmed it.
//
// The system answers through the provider API (/provider-api/v1) with an
// OAuth client-credentials token, each callback signed with the
// certificate the administrator registered; a callback with bad
// credentials or signature, an old timestamp or a message id already
// accepted changes nothing, and every callback is logged with its outcome.
// The moves go through applications' state machine (MoveBySystem,
// IssueBySystem) in the callback's own transaction.
package provsys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/egress"
	"hromada/modules/applications"
	"hromada/modules/audit"
	"hromada/modules/documents"
	"hromada/modules/notify"
	"hromada/modules/registries"
	"hromada/tenant"
)

// Kind is a route's kind.
type Kind string

// The routes.
const (
	Workspace Kind = "workspace" // the platform's officials (no system)
	Webhook   Kind = "webhook"   // the platform POSTs each message
	Pull      Kind = "pull"      // the system polls and acknowledges
	// Trembita: the platform calls the system's service on the exchange
	// through the city's security server (modules/registries' client);
	// the route's endpoint is the registry_services code of that service.
	Trembita Kind = "trembita"
	// SED: the platform posts each message to the provider's document
	// management system (СЕД) as a document in the СЕВ ОВВ envelope
	// (package sed); the СЕД registers it and answers through the
	// provider API in the same envelope.
	SED Kind = "sed"
)

// Kinds are the routes the administrator may choose.
var Kinds = []Kind{Workspace, Webhook, Pull, Trembita, SED}

// Status is a delivery's state.
type Status string

// The delivery states.
const (
	Waiting   Status = "waiting"   // not sent yet (or, pulled, not acknowledged)
	Sending   Status = "sending"   // an attempt holds it
	Retrying  Status = "retrying"  // an attempt failed; another will follow
	Delivered Status = "delivered" // the system confirmed it
	Failed    Status = "failed"    // refused, or out of attempts
)

// Route is where a provider's (or a service's) applications go.
type Route struct {
	ID         uuid.UUID
	ProviderID uuid.UUID
	ServiceID  *uuid.UUID
	// Removed is when the administrator removed a service's route: it
	// routes nothing more, but its system may still answer for what it
	// took (its credentials stay), and its deliveries stay on record.
	Removed     *time.Time
	Kind        Kind
	Endpoint    string
	ClientID    string
	Certificate []byte // DER of the system's certificate; nil: none registered
	UpdatedAt   time.Time
}

// Delivery is one message to a system, as monitoring shows it.
type Delivery struct {
	ID          uuid.UUID
	Seq         int64
	RouteID     uuid.UUID
	Application *uuid.UUID
	Kind        string
	MessageID   string
	Status      Status
	Attempts    int
	LastError   string
	CreatedAt   time.Time
	SentAt      *time.Time
	ReceivedAt  *time.Time
	// RegNumber and RegDate are what the recipient's СЕД registered the
	// message under, RegisteredAt when its notice came (the СЕД route).
	RegNumber    string
	RegDate      *time.Time
	RegisteredAt *time.Time
}

// Errors shown to people or returned by the provider API.
var (
	ErrNotFound     = apperr.New(apperr.NotFound, "provsys.not_found")
	ErrEndpoint     = apperr.New(apperr.Invalid, "provsys.endpoint_invalid")
	ErrCertificate  = apperr.New(apperr.Invalid, "provsys.certificate_invalid")
	ErrCredentials  = apperr.New(apperr.Forbidden, "provsys.credentials")
	ErrSignature    = apperr.New(apperr.Forbidden, "provsys.signature")
	ErrStale        = apperr.New(apperr.Invalid, "provsys.stale")
	ErrReplay       = apperr.New(apperr.Conflict, "provsys.replay")
	ErrMessage      = apperr.New(apperr.Invalid, "provsys.message_invalid")
	ErrNotPullRoute = apperr.New(apperr.Conflict, "provsys.not_pull")
	// ErrTrembitaService: a Trembita route names no service the city's
	// exchange with the registries has (registry_services).
	ErrTrembitaService = apperr.New(apperr.Invalid, "provsys.trembita_service")
	// ErrService: a per-service route names a service of another provider.
	ErrService = apperr.New(apperr.Invalid, "provsys.service_invalid")
	// ErrNotServiceRoute: only a service's own route can be removed (the
	// provider's goes back to the workspace by choosing it).
	ErrNotServiceRoute = apperr.New(apperr.Conflict, "provsys.not_service_route")
)

// Options configure the Service.
type Options struct {
	DB   *tenant.DB
	Log  *slog.Logger
	Apps *applications.Service
	// Insert puts a River job in a transaction (the root's insertJob).
	Insert func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error
	// Notify alerts the administrators and dispatchers to a delivery that
	// failed for good; nil: no alert (the console still shows it).
	Notify *notify.Service
	// Sealer opens the providers' seals (documents.ActiveSeal).
	Sealer documents.Sealer
	// FileKey signs the attachments' links (at least 32 bytes).
	FileKey []byte
	// PortalURL is the base URL of a city's portal (scheme and host): the
	// attachments' links are under it.
	PortalURL func(t *tenant.Tenant) string
	// Trembita calls the providers' systems' services on the exchange
	// (the registries' client, which knows the city's security server);
	// nil: the Trembita route cannot be chosen.
	Trembita *registries.Client
	// Audit records the administrators' changes of the routes; nil: none
	// (tests of the deliveries).
	Audit *audit.Service
	// HTTP sends the webhooks to the addresses administrators type; nil: a
	// client with a 30 s timeout that reaches public addresses only
	// (package egress).
	HTTP *http.Client
	// RetryAfter is how long a failed attempt waits; nil: attempt² × 10 s.
	RetryAfter func(attempt int) time.Duration
	// SendingLease is how long a delivery marked sending belongs to the
	// attempt that marked it: no attempt outlives the job timeout, so a
	// later attempt (River's rescue of a job whose process died mid-send)
	// that finds it older sends it again, with the same message id. Zero:
	// 2 minutes.
	SendingLease time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Service is the routes, the deliveries and the provider API. Each
// exported method is one transaction, but Handover, which joins the
// submission's.
type Service struct{ o Options }

// New returns the Service.
func New(o Options) (*Service, error) {
	if o.DB == nil || o.Log == nil || o.Apps == nil || o.Insert == nil || o.Sealer == nil || o.PortalURL == nil {
		return nil, errors.New("provsys: DB, Log, Apps, Insert, Sealer and PortalURL are required")
	}
	if len(o.FileKey) < 32 {
		return nil, fmt.Errorf("provsys: the file key must be at least 32 bytes, not %d", len(o.FileKey))
	}
	if o.HTTP == nil {
		o.HTTP = egress.Policy{}.Client(30 * time.Second)
	}
	if o.RetryAfter == nil {
		o.RetryAfter = func(attempt int) time.Duration { return time.Duration(attempt*attempt) * 10 * time.Second }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SendingLease <= 0 {
		o.SendingLease = 2 * time.Minute
	}
	return &Service{o: o}, nil
}
