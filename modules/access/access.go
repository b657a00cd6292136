// Package access decides who may do what in a tenant, and keeps the staff's
// access grants.
//
// A decision is Casbin's, on the model in policies/model.conf: RBAC with the
// tenant as the domain and a provider scope.
//
//	ok, err := svc.Allowed(ctx, access.Subject{AccountID: id}, access.ObjApplications, access.ActProcess, providerID.String())
//
// The subject's roles are read from access_grants at every decision, in the
// tenant's transaction, with the service's clock: a grant that is blocked,
// revoked or not yet unblocked does not count from the next request on, in
// every process, whether or not a notice reached it. Every signed-in account
// also holds the resident role, without a grant. The policy lines (Casbin's
// "p" lines, in casbin_rules) are cached per tenant: a change NOTIFYs
// hromada_access_changed, which Listen turns into a reload, and a TTL bounds
// staleness should a notice be missed.
//
// Separation of duties (КСЗІ service НО) is not left to the editable lines
// alone. Code pins lines into every tenant's enforcer (the administrator
// processes nothing; the auditor always reads the audit log and security
// events), checks every line against the invariants of Validate when it is
// written and again when it is loaded (the auditor only reads and exports,
// only the administrator administers access, …), refuses any change by an
// actor to their own grants or their own role's lines (ErrSelf,
// ErrSelfPolicy), and refuses role combinations that would defeat the
// separation (ErrRoleConflict).
//
// Routes declare what they need with a Guard (routes.go), and Undeclared
// finds the ones that declare nothing. Pages show only the links and forms
// the person may use: Allows (links.go) finds the route each leads to and
// decides it on that route's own Perm and Scope, all of a page's in one
// read transaction, so a link shown never answers 403 and no second list
// of who sees what exists (templates ask through web.Can).
package access

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
)

// Roles. Resident is implicit for every signed-in account; the others come
// from access grants. Official and ProviderHead are held at one provider.
const (
	RoleResident      = "resident"
	RoleOfficial      = "official"
	RoleProviderHead  = "provider_head"
	RoleAdministrator = "administrator"
	RoleDispatcher    = "dispatcher"
	RoleOwner         = "owner"
	RoleAuditor       = "auditor"
)

// Objects: what a decision is about. A request may name a sub-object,
// "<object>/<part>" (e.g. "applications/attachments"); policy lines may say
// "<object>/*" for all its parts.
const (
	ObjTenantSettings    = "tenant_settings"    // the portal's settings and branding
	ObjIdentityProviders = "identity_providers" // how people sign in
	ObjProviders         = "providers"          // the city's providers of services
	ObjOfficials         = "officials"          // staff access grants (grant, block, delete = revoke)
	ObjAccessRequests    = "access_requests"    // provider heads' written requests and dismissal notices
	ObjPolicies          = "policies"           // this tenant's policy lines
	ObjAudit             = "audit"              // the audit log
	ObjSecurityEvents    = "security_events"    // security-relevant events (denials, blocks, …)
	ObjReports           = "reports"            // non-personal monitoring, quality and audit summaries
	ObjServices          = "services"           // the catalog (published service information)
	ObjServiceRevisions  = "service_revisions"  // proposed changes to service information
	ObjApplications      = "applications"       // applications received by a provider
	ObjAppeals           = "appeals"            // citizens' appeals routed to a provider
	ObjOwnProfile        = "own_profile"        // the signed-in account's profile
	ObjOwnApplications   = "own_applications"   // the signed-in account's applications and drafts
	ObjOwnAppeals        = "own_appeals"        // the signed-in account's appeals
	ObjOwnDocuments      = "own_documents"      // the signed-in account's cabinet documents
	ObjContent           = "content"            // the city's news and pages
	ObjFeedback          = "feedback"           // remarks and proposals about the portal, and their answers
	ObjOwnFeedback       = "own_feedback"       // the signed-in account's remarks about the portal
	ObjOwnBookings       = "own_bookings"       // the signed-in account's appointments at service centres
	ObjCentreQueue       = "centre_queue"       // a service centre's day: bookings, walk-ins, calls; update: answer its ratings
	ObjCentreContent     = "centre_content"     // a service centre's vacancies and events (modules/centres)
	ObjCentreMaterials   = "centre_materials"   // templates and training materials for the city's staff only (modules/centres)
	ObjBulkNotices       = "bulk_notices"       // announcements to the residents who opted in to city news (modules/notify)
	ObjCityData          = "city_data"          // the city's data taken out whole (modules/lifecycle's export)
	ObjPayments          = "payments"           // the fees taken and returned: export = the accounting CSV (modules/payments)
	ObjPaymentSettings   = "payment_settings"   // the city's acquiring gateway and its keys (modules/payments)
)

// Objects of participation (modules/participation).
const (
	ObjPetitions        = "petitions"         // e-petitions: moderation (approve), the council's answer (process)
	ObjPolls            = "polls"             // polls on the city's initiatives: drafting, publishing, closing
	ObjPaperVotes       = "paper_votes"       // a poll officer's record of a paper ballot at a centre
	ObjOwnParticipation = "own_participation" // the signed-in person's petitions, signatures and votes
)

// Actions.
const (
	ActRead    = "read"
	ActCreate  = "create"
	ActUpdate  = "update"
	ActDelete  = "delete"
	ActProcess = "process" // work on an application or appeal: decide, refuse, sign the result
	ActApprove = "approve" // agree to a proposal: publication, an access request
	ActGrant   = "grant"   // give or restore access
	ActBlock   = "block"   // suspend access, also temporarily
	ActExport  = "export"  // take data out in bulk (reports, the audit log)
	ActAssign  = "assign"  // hand an application to another official (a provider head, on an overdue case)
)

// Scopes of a policy line.
const (
	ScopeTenant   = "tenant"   // every object of the tenant
	ScopeProvider = "provider" // objects of the provider the role is held at
)

// Effects of a policy line.
const (
	EffectAllow = "allow"
	EffectDeny  = "deny"
)

// Roles lists every role, resident first.
var Roles = []string{RoleResident, RoleOfficial, RoleProviderHead, RoleAdministrator, RoleDispatcher, RoleOwner, RoleAuditor}

// Objects lists every object of the vocabulary.
var Objects = []string{
	ObjTenantSettings, ObjIdentityProviders, ObjProviders, ObjOfficials, ObjAccessRequests,
	ObjPolicies, ObjAudit, ObjSecurityEvents, ObjReports, ObjServices, ObjServiceRevisions,
	ObjApplications, ObjAppeals, ObjOwnProfile, ObjOwnApplications, ObjOwnAppeals, ObjOwnDocuments,
	ObjContent, ObjFeedback, ObjOwnFeedback,
	ObjOwnBookings, ObjCentreQueue, ObjCentreContent, ObjCentreMaterials,
	ObjPetitions, ObjPolls, ObjPaperVotes, ObjOwnParticipation,
	ObjBulkNotices,
	ObjCityData,
	ObjPayments, ObjPaymentSettings,
}

// Actions lists every action of the vocabulary.
var Actions = []string{ActRead, ActCreate, ActUpdate, ActDelete, ActProcess, ActApprove, ActGrant, ActBlock, ActExport, ActAssign}

// ProviderScoped reports whether role is held at one provider.
func ProviderScoped(role string) bool { return role == RoleOfficial || role == RoleProviderHead }

// KnownObject reports whether obj, or the object it is a part of, is in the
// vocabulary.
func KnownObject(obj string) bool {
	base, _, _ := strings.Cut(obj, "/")
	return slices.Contains(Objects, base)
}

// Subject is who asks: a signed-in account of the tenant in the context.
type Subject struct {
	AccountID uuid.UUID
}

// Held is a role a subject holds now; Provider is uuid.Nil for tenant-wide
// roles.
type Held struct {
	Role     string
	Provider uuid.UUID
}

// Rule is one policy line of a tenant.
type Rule struct {
	Role   string `json:"role"`
	Object string `json:"object"`
	Action string `json:"action"`
	Scope  string `json:"scope"`
	Effect string `json:"effect"`
}

func (r Rule) String() string {
	return strings.Join([]string{r.Role, r.Object, r.Action, r.Scope, r.Effect}, ", ")
}

// Errors, for errors.Is. Each has a message key in web/locales.
var (
	ErrForbidden          = apperr.New(apperr.Forbidden, "error.access_forbidden")
	ErrSelf               = apperr.New(apperr.Forbidden, "error.access_self")
	ErrPolicyUnchanged    = apperr.New(apperr.Invalid, "staff.preview_none")
	ErrSelfPolicy         = apperr.New(apperr.Forbidden, "error.access_self_policy")
	ErrUnknownRole        = apperr.New(apperr.Invalid, "error.access_unknown_role")
	ErrProviderRequired   = apperr.New(apperr.Invalid, "error.access_provider_required")
	ErrProviderNotAllowed = apperr.New(apperr.Invalid, "error.access_provider_not_allowed")
	ErrReasonRequired     = apperr.New(apperr.Invalid, "error.access_reason_required")
	ErrBlockUntilPast     = apperr.New(apperr.Invalid, "error.access_block_until_past")
	ErrAccountNotFound    = apperr.New(apperr.NotFound, "error.access_account_not_found")
	ErrProviderNotFound   = apperr.New(apperr.NotFound, "error.access_provider_not_found")
	ErrGrantNotFound      = apperr.New(apperr.NotFound, "error.access_grant_not_found")
	ErrGrantExists        = apperr.New(apperr.Conflict, "error.access_grant_exists")
	ErrGrantState         = apperr.New(apperr.Conflict, "error.access_grant_state")
	ErrRoleConflict       = apperr.New(apperr.Conflict, "error.access_role_conflict")
	ErrInvalidRule        = apperr.New(apperr.Invalid, "error.access_invalid_rule")
	ErrSeparationOfDuties = apperr.New(apperr.Invalid, "error.access_separation_of_duties")
)

// Service decides access and keeps grants and policies, for the tenant in
// the context of each call.
type Service struct {
	db  *tenant.DB
	log *slog.Logger
	now func() time.Time
	ttl time.Duration

	journal  Journal
	register RegisterFunc

	mu    sync.Mutex
	cache map[uuid.UUID]*policySet
	gen   map[uuid.UUID]uint64 // bumped by Forget, so a load racing a change is not cached
	all   uint64               // bumped by Forget(uuid.Nil)
}

// Options tunes a Service; nil means the defaults.
type Options struct {
	// Log receives warnings (dropped policy lines, listener restarts).
	// Defaults to discarding them.
	Log *slog.Logger
	// Now is the clock: temporary blocks end when it passes their
	// blocked_until, and grants are stamped with it. Defaults to time.Now.
	Now func() time.Time
	// TTL bounds how long a tenant's policy lines are cached should a
	// change notice be missed. Defaults to 30 seconds.
	TTL time.Duration
	// Journal records grant, policy and request changes and denied
	// requests, and says who is locked out (the root wires *audit.Service).
	// Defaults to recording nothing.
	Journal Journal
	// Register finds or creates the account of a person being granted
	// access (the root wires identity.Register). Without it, granting by
	// РНОКПП and deciding a request for a grant fail.
	Register RegisterFunc
}

// New returns a Service over the tenant tables reached through db.
func New(db *tenant.DB, opts *Options) *Service {
	s := &Service{
		db: db, log: slog.New(slog.DiscardHandler), now: time.Now, ttl: 30 * time.Second, journal: noJournal{},
		cache: map[uuid.UUID]*policySet{}, gen: map[uuid.UUID]uint64{},
	}
	if opts != nil {
		if opts.Log != nil {
			s.log = opts.Log
		}
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.TTL > 0 {
			s.ttl = opts.TTL
		}
		if opts.Journal != nil {
			s.journal = opts.Journal
		}
		s.register = opts.Register
	}
	return s
}

// changed records a grant change in the journal.
func (s *Service) changed(ctx context.Context, tx pgx.Tx, c Change) error {
	return s.journal.GrantChanged(ctx, tx, c)
}
