package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/audit"
	"hromada/tenant"
)

// Every route of the portal, attacked as every persona (issue 23): the
// table below says, for each route, what the roles' definition requires
// (an object:action of policies/default.csv, and where the provider it is
// checked at comes from). The test fails when the router has a route the
// table lacks, or the other way round, or when a route's declared
// permission differs from the table's: a new route, or a changed
// permission, is a decision written here.
//
// Then, in Kyiv, for every persona and every route, what the persona may
// do is worked out from policies/default.csv alone (with the persona's
// grants), and compared with what the portal does: a GET is sent and must
// be refused (403, and a security event) exactly when the roles'
// definition refuses it, and never answer 5xx; a POST the definition
// refuses is sent and must be refused with the database unchanged; a POST
// it allows is asked of the guard (sending it would change things).
// Anonymous requests to every non-public route are sent to sign in and
// change nothing; every POST from another site is refused; Kyiv's session
// is no one on Lviv's host.

type scopeKind string

const (
	tenantWide scopeKind = "tenant"  // no provider: tenant-wide lines only
	byQuery    scopeKind = "query"   // ?provider=<id>
	byForm     scopeKind = "form"    // the posted provider field
	byRow      scopeKind = "row"     // the provider of the object whose id is in the path
	byService  scopeKind = "service" // the provider of the service whose code is in the path
	byCentre   scopeKind = "centre"  // the provider of the centre whose code is in the path
)

const public = "public"

type routeRow struct {
	route string    // "METHOD /pattern"
	need  string    // public, or object:action
	scope scopeKind // where the provider comes from
}

var routeTable = []routeRow{
	{"GET /", public, tenantWide},
	{"GET /admin", "own_profile:read", tenantWide},
	{"GET /admin/access-requests", "access_requests:read", byQuery},
	{"POST /admin/access-requests", "access_requests:create", byForm},
	{"GET /admin/access-requests/new", "access_requests:create", byQuery},
	{"POST /admin/access-requests/{id}/grant", "access_requests:approve", tenantWide},
	{"POST /admin/access-requests/{id}/reject", "access_requests:approve", tenantWide},
	{"POST /admin/appeals/open311-keys", "appeals:assign", tenantWide},
	{"GET /admin/appeals/routing", "appeals:assign", tenantWide},
	{"POST /admin/appeals/routing", "appeals:assign", tenantWide},
	{"POST /admin/appeals/routing/{rule}/delete", "appeals:assign", tenantWide},
	{"POST /admin/appeals/{id}/send", "appeals:assign", tenantWide},
	{"GET /admin/audit", "audit:read", tenantWide},
	{"GET /admin/audit.csv", "audit:export", tenantWide},
	{"GET /admin/content", "content:read", tenantWide},
	{"GET /admin/content/images", "content:read", tenantWide},
	{"POST /admin/content/images", "content:create", tenantWide},
	{"GET /admin/export", "city_data:export", tenantWide},
	{"POST /admin/export", "city_data:export", tenantWide},
	{"GET /admin/export/{id}", "city_data:export", tenantWide},
	{"GET /admin/content/new", "content:create", tenantWide},
	{"POST /admin/content/new", "content:create", tenantWide},
	{"GET /admin/content/{id}", "content:update", tenantWide},
	{"POST /admin/content/{id}", "content:update", tenantWide},
	{"GET /admin/feedback", "feedback:read", tenantWide},
	{"POST /admin/feedback/{id}", "feedback:update", tenantWide},
	{"POST /admin/forms/{id}/publish", "service_revisions:approve", byRow},
	{"POST /admin/forms/{id}/return", "service_revisions:approve", byRow},
	{"GET /admin/getting-started", "tenant_settings:read", tenantWide},
	{"GET /admin/holidays", "tenant_settings:read", tenantWide},
	{"POST /admin/holidays", "tenant_settings:update", tenantWide},
	{"GET /admin/branding", "tenant_settings:read", tenantWide},
	{"POST /admin/branding", "tenant_settings:update", tenantWide},
	{"POST /admin/branding/images", "tenant_settings:update", tenantWide},
	{"GET /admin/identity-providers", "identity_providers:read", tenantWide},
	{"POST /admin/identity-providers", "identity_providers:update", tenantWide},
	{"GET /admin/import", "services:create", tenantWide},
	{"POST /admin/import/apply", "services:create", tenantWide},
	{"POST /admin/import/check", "services:create", tenantWide},
	{"POST /admin/import/publish", "service_revisions:approve", tenantWide},
	{"GET /admin/notifications", "tenant_settings:read", tenantWide},
	{"POST /admin/notifications/sender", "tenant_settings:update", tenantWide},
	{"POST /admin/notifications/sender/rotate", "tenant_settings:update", tenantWide},
	{"GET /admin/officials", "officials:read", byQuery},
	{"POST /admin/officials", "officials:grant", tenantWide},
	{"POST /admin/officials/{id}/block", "officials:block", tenantWide},
	{"POST /admin/officials/{id}/dismissal", "access_requests:create", byRow},
	{"POST /admin/officials/{id}/revoke", "officials:delete", tenantWide},
	{"POST /admin/officials/{id}/unblock", "officials:grant", tenantWide},
	{"GET /admin/participation", "tenant_settings:read", tenantWide},
	{"POST /admin/participation", "tenant_settings:update", tenantWide},
	{"GET /admin/petitions", "petitions:read", tenantWide},
	{"GET /admin/petitions/{id}", "petitions:read", tenantWide},
	{"POST /admin/petitions/{id}/answer", "petitions:process", tenantWide},
	{"POST /admin/petitions/{id}/publish", "petitions:approve", tenantWide},
	{"POST /admin/petitions/{id}/refuse", "petitions:approve", tenantWide},
	{"GET /admin/policies", "policies:read", tenantWide},
	{"POST /admin/policies", "policies:update", tenantWide},
	{"GET /admin/polls", "polls:read", tenantWide},
	{"POST /admin/polls", "polls:create", tenantWide},
	{"GET /admin/polls/new", "polls:create", tenantWide},
	{"POST /admin/polls/{id}/close", "polls:update", byRow},
	{"POST /admin/polls/{id}/publish", "polls:update", byRow},
	{"GET /admin/register", "services:read", tenantWide},
	{"GET /admin/register/centres/new", "services:create", tenantWide},
	{"POST /admin/register/centres/new", "services:create", tenantWide},
	{"GET /admin/register/centres/{key}", "services:create", tenantWide},
	{"POST /admin/register/centres/{key}", "services:create", tenantWide},
	{"POST /admin/register/centres/{key}/retire", "services:create", tenantWide},
	{"POST /admin/register/changes/{id}/publish", "service_revisions:approve", byRow},
	{"POST /admin/register/changes/{id}/return", "service_revisions:approve", byRow},
	{"GET /admin/register/life-situations/new", "services:create", tenantWide},
	{"POST /admin/register/life-situations/new", "services:create", tenantWide},
	{"GET /admin/register/life-situations/{key}", "services:create", tenantWide},
	{"POST /admin/register/life-situations/{key}", "services:create", tenantWide},
	{"POST /admin/register/life-situations/{key}/retire", "services:create", tenantWide},
	{"GET /admin/register/providers/new", "providers:create", tenantWide},
	{"POST /admin/register/providers/new", "providers:create", tenantWide},
	{"GET /admin/register/providers/{key}", "providers:update", byRow},
	{"POST /admin/register/providers/{key}", "providers:update", byRow},
	{"POST /admin/register/providers/{key}/retire", "providers:update", byRow},
	{"GET /admin/revisions", "service_revisions:read", byQuery},
	{"POST /admin/revisions/{id}/publish", "service_revisions:approve", byRow},
	{"POST /admin/revisions/{id}/return", "service_revisions:approve", byRow},
	{"POST /admin/rules/{id}/publish", "service_revisions:approve", byRow},
	{"POST /admin/rules/{id}/return", "service_revisions:approve", byRow},
	{"GET /admin/security", "security_events:read", tenantWide},
	{"POST /admin/security/lockouts/{id}/unlock", "officials:grant", tenantWide},
	{"POST /admin/security/policy", "policies:update", tenantWide},
	{"GET /admin/services", "services:read", byQuery},
	{"GET /admin/services/new", "service_revisions:create", byQuery},
	{"POST /admin/services/new", "service_revisions:create", byForm},
	{"GET /admin/services/{code}/edit", "service_revisions:create", byService},
	{"GET /admin/services/{code}/form", "service_revisions:read", byService},
	{"POST /admin/services/{code}/form", "service_revisions:create", byService},
	{"POST /admin/services/{code}/revisions", "service_revisions:create", byService},
	{"GET /admin/services/{code}/rules", "service_revisions:read", byService},
	{"POST /admin/services/{code}/rules", "service_revisions:create", byService},
	{"GET /api/v1/centres", public, tenantWide},
	{"GET /api/v1/life-situations", public, tenantWide},
	{"GET /api/v1/providers", public, tenantWide},
	{"GET /api/v1/search", public, tenantWide},
	{"GET /api/v1/services", public, tenantWide},
	{"GET /api/v1/services/{code}", public, tenantWide},
	{"GET /appeals/new", public, tenantWide},
	{"POST /appeals/new", "own_appeals:create", tenantWide},
	{"GET /appeals/public", public, tenantWide},
	{"GET /appeals/public/{id}", public, tenantWide},
	{"GET /auth/callback", public, tenantWide},
	{"GET /auth/login", public, tenantWide},
	{"GET /auth/login/{id}", public, tenantWide},
	{"POST /auth/logout", public, tenantWide},
	{"GET /auth/resubmit", public, tenantWide},
	{"GET /book", "own_bookings:create", tenantWide},
	{"POST /book", "own_bookings:create", tenantWide},
	{"GET /cabinet", "own_applications:read", tenantWide},
	{"GET /cabinet/appeals", "own_appeals:read", tenantWide},
	{"GET /cabinet/appeals/{id}", "own_appeals:read", tenantWide},
	{"GET /cabinet/appeals/{id}/files/{file}", "own_appeals:read", tenantWide},
	{"POST /cabinet/appeals/{id}/rate", "own_appeals:update", tenantWide},
	{"POST /cabinet/appeals/{id}/reply", "own_appeals:update", tenantWide},
	{"GET /cabinet/applications/{id}", "own_applications:read", tenantWide},
	{"POST /cabinet/applications/{id}/answer", "own_applications:update", tenantWide},
	{"POST /cabinet/applications/{id}/rating", "own_applications:update", tenantWide},
	{"GET /cabinet/applications/{id}/canonical", "own_applications:read", tenantWide},
	{"POST /cabinet/applications/{id}/discard", "own_applications:delete", tenantWide},
	{"GET /cabinet/applications/{id}/files", "own_applications:update", tenantWide},
	{"POST /cabinet/applications/{id}/files", "own_applications:update", tenantWide},
	{"GET /cabinet/applications/{id}/files/mine", "own_applications:update", tenantWide},
	{"POST /cabinet/applications/{id}/files/mine", "own_applications:update", tenantWide},
	{"GET /cabinet/applications/{id}/files/{file}", "own_documents:read", tenantWide},
	{"POST /cabinet/applications/{id}/files/{file}/delete", "own_applications:update", tenantWide},
	{"POST /cabinet/applications/{id}/pay", "own_applications:update", tenantWide},
	{"GET /cabinet/applications/{id}/review", "own_applications:update", tenantWide},
	{"POST /cabinet/applications/{id}/sign", "own_applications:update", tenantWide},
	{"GET /cabinet/applications/{id}/status", "own_applications:read", tenantWide},
	{"GET /cabinet/applications/{id}/steps/{n}", "own_applications:update", tenantWide},
	{"POST /cabinet/applications/{id}/steps/{n}", "own_applications:update", tenantWide},
	{"POST /cabinet/applications/{id}/withdraw", "own_applications:update", tenantWide},
	{"GET /cabinet/bookings", "own_bookings:read", tenantWide},
	{"GET /cabinet/bookings/{code}", "own_bookings:read", tenantWide},
	{"GET /cabinet/bookings/{code}/calendar.ics", "own_bookings:read", tenantWide},
	{"POST /cabinet/bookings/{code}/cancel", "own_bookings:update", tenantWide},
	{"GET /cabinet/bookings/{code}/move", "own_bookings:update", tenantWide},
	{"POST /cabinet/bookings/{code}/move", "own_bookings:update", tenantWide},
	{"POST /cabinet/bookings/{code}/rating", "own_bookings:update", tenantWide},
	{"GET /cabinet/data-requests", "own_profile:read", tenantWide},
	{"GET /cabinet/documents", "own_documents:read", tenantWide},
	{"POST /cabinet/documents", "own_documents:create", tenantWide},
	{"POST /cabinet/documents/consents", "own_documents:create", tenantWide},
	{"POST /cabinet/documents/consents/{id}/revoke", "own_documents:delete", tenantWide},
	{"POST /cabinet/documents/{id}/delete", "own_documents:delete", tenantWide},
	{"GET /cabinet/documents/{id}/file", "own_documents:read", tenantWide},
	{"GET /cabinet/notifications", "own_profile:read", tenantWide},
	{"GET /cabinet/notifications/settings", "own_profile:read", tenantWide},
	{"POST /cabinet/notifications/settings", "own_profile:update", tenantWide},
	{"POST /cabinet/notifications/settings/address", "own_profile:update", tenantWide},
	{"POST /cabinet/notifications/settings/confirm", "own_profile:update", tenantWide},
	{"GET /cabinet/payments", "own_applications:read", tenantWide},
	{"GET /cabinet/payments/{id}", "own_applications:read", tenantWide},
	{"POST /cabinet/payments/{id}/pay", "own_applications:update", tenantWide},
	{"GET /cabinet/payments/{id}/receipt.pdf", "own_documents:read", tenantWide},
	{"GET /cabinet/payments/{id}/receipt.pdf.p7s", "own_documents:read", tenantWide},
	{"GET /centres", public, tenantWide},
	{"GET /centres/map", public, tenantWide},
	{"GET /centres/vacancies", public, tenantWide},
	{"GET /centres/{code}/vacancies", public, tenantWide},
	{"GET /centres/events", public, tenantWide},
	{"GET /centres/events/{id}/calendar.ics", public, tenantWide},
	{"GET /centres/{code}", public, tenantWide},
	{"GET /centres/{code}/display", public, tenantWide},
	{"GET /centres/{code}/ratings", public, tenantWide},
	{"GET /feedback", "own_feedback:read", tenantWide},
	{"POST /feedback", "own_feedback:create", tenantWide},
	{"GET /news", public, tenantWide},
	{"GET /news/feed.atom", public, tenantWide},
	{"GET /news/images/{id}", public, tenantWide},
	{"GET /news/{slug}", public, tenantWide},
	{"GET /open311/v2/requests.json", public, tenantWide},
	{"POST /open311/v2/requests.json", public, tenantWide},
	{"GET /open311/v2/requests/{id}", public, tenantWide},
	{"GET /open311/v2/services.json", public, tenantWide},
	{"GET /open311/v2/services/{code}", public, tenantWide},
	{"GET /opendata/participation.csv", public, tenantWide},
	{"GET /opendata/participation.json", public, tenantWide},
	{"GET /opendata/register.zip", public, tenantWide},
	{"GET /opendata/services.csv", public, tenantWide},
	{"GET /opendata/services.json", public, tenantWide},
	{"GET /pages/{slug}", public, tenantWide},
	{"POST /payments/liqpay/callback", public, tenantWide},
	{"POST /payments/monobank/webhook", public, tenantWide},
	{"GET /payments/receipts/{id}", public, tenantWide},
	{"POST /cabinet/payments/{id}/proof", "own_applications:update", tenantWide},
	{"GET /work/payments/proofs/{id}/file", "applications:read", byRow},
	{"POST /work/payments/proofs/{id}/accept", "applications:process", byRow},
	{"POST /work/payments/proofs/{id}/reject", "applications:process", byRow},
	{"GET /admin/payments", "payments:export", tenantWide},
	{"GET /admin/payments/export.csv", "payments:export", tenantWide},
	{"GET /admin/payment-settings", "payment_settings:read", tenantWide},
	{"POST /admin/payment-settings", "payment_settings:update", tenantWide},
	{"POST /admin/payment-settings/check", "payment_settings:update", tenantWide},
	{"GET /petitions", public, tenantWide},
	{"POST /petitions", "own_participation:create", tenantWide},
	{"GET /petitions/new", "own_participation:create", tenantWide},
	{"GET /petitions/{id}", public, tenantWide},
	{"POST /petitions/{id}/sign", "own_participation:create", tenantWide},
	{"GET /petitions/{id}/signers", public, tenantWide},
	{"GET /petitions/{id}/signing.json", "own_participation:create", tenantWide},
	{"GET /places", public, tenantWide},
	{"GET /polls", public, tenantWide},
	{"GET /polls/{id}", public, tenantWide},
	{"GET /polls/{id}/results.csv", public, tenantWide},
	{"POST /polls/{id}/vote", "own_participation:create", tenantWide},
	{"POST /prefs", public, tenantWide},
	{"GET /providers/{code}", public, tenantWide},
	{"GET /search", public, tenantWide},
	{"GET /services/{code}", public, tenantWide},
	{"GET /services/{code}/apply", "own_applications:read", tenantWide},
	{"POST /services/{code}/apply", "own_applications:create", tenantWide},
	{"GET /theme.css", public, tenantWide},
	{"GET /branding/{kind}", public, tenantWide},
	{"GET /verify/{id}", public, tenantWide},
	{"POST /verify/{id}", public, tenantWide},
	{"GET /work/appeals", "appeals:read", byQuery},
	{"GET /work/appeals/{id}", "appeals:read", byRow},
	{"POST /work/appeals/{id}/answer", "appeals:process", byRow},
	{"POST /work/appeals/{id}/ask", "appeals:process", byRow},
	{"POST /work/appeals/{id}/extend", "appeals:process", byRow},
	{"GET /work/appeals/{id}/files/{file}", "appeals:read", byRow},
	{"POST /work/appeals/{id}/forward", "appeals:process", byRow},
	{"POST /work/appeals/{id}/take", "appeals:process", byRow},
	{"GET /work/applications", "applications:read", byQuery},
	{"GET /work/applications/{id}", "applications:read", byRow},
	{"POST /work/applications/{id}/clarify", "applications:process", byRow},
	{"POST /work/applications/{id}/decide", "applications:process", byRow},
	{"POST /work/applications/{id}/extend", "applications:process", byRow},
	{"GET /work/applications/{id}/files/{file}", "applications:read", byRow},
	{"POST /work/applications/{id}/issue", "applications:process", byRow},
	{"POST /work/applications/{id}/reassign", "applications:assign", byRow},
	{"GET /work/applications/{id}/shared", "applications:read", byRow},
	{"GET /work/applications/{id}/shared/{doc}", "applications:read", byRow},
	{"POST /work/applications/{id}/shared/{doc}/law", "applications/cabinet_by_law:read", byRow},
	{"POST /work/applications/{id}/take", "applications:process", byRow},
	{"GET /work/centres", "centre_queue:read", byQuery},
	{"POST /work/centres/{code}/call", "centre_queue:process", byCentre},
	{"GET /work/centres/{code}/queue", "centre_queue:read", byCentre},
	{"GET /work/centres/{code}/ratings", "centre_queue:update", byCentre},
	{"POST /work/centres/{code}/ratings/{visit}/answer", "centre_queue:update", byCentre},
	{"POST /work/centres/{code}/visits/{id}/checkin", "centre_queue:process", byCentre},
	{"POST /work/centres/{code}/visits/{id}/no-show", "centre_queue:process", byCentre},
	{"POST /work/centres/{code}/visits/{id}/served", "centre_queue:process", byCentre},
	{"POST /work/centres/{code}/walk-in", "centre_queue:process", byCentre},
	{"GET /work/centres/{code}/vacancies", "centre_content:create", byCentre},
	{"POST /work/centres/{code}/vacancies", "centre_content:create", byCentre},
	{"POST /work/centres/{code}/vacancies/{id}/close", "centre_content:update", byCentre},
	{"GET /work/centres/{code}/events", "centre_content:create", byCentre},
	{"POST /work/centres/{code}/events", "centre_content:create", byCentre},
	{"POST /work/centres/{code}/events/{id}/cancel", "centre_content:update", byCentre},
	{"GET /work/centres/{code}/setup", "centre_content:update", byCentre},
	{"POST /work/centres/{code}/setup", "centre_content:update", byCentre},
	{"GET /work/materials", "centre_materials:read", byQuery},
	{"POST /work/materials", "centre_materials:create", byForm},
	{"GET /work/materials/{id}", "centre_materials:read", byQuery},
	{"GET /work/materials/{id}/file", "centre_materials:read", byQuery},
	{"GET /work/paper-votes", "paper_votes:create", byQuery},
	{"POST /work/paper-votes", "paper_votes:create", byForm},
	{"GET /work/polls", "polls:read", byQuery},
	{"POST /work/polls", "polls:create", byForm},
	{"GET /work/polls/new", "polls:create", byQuery},
	{"POST /work/polls/{id}/close", "polls:update", byRow},
	{"POST /work/polls/{id}/publish", "polls:update", byRow},
	// The city app's API (issue 22): public to the guard, which knows
	// sessions only; each checks its bearer token, scope and rate itself
	// (TestCityAppSignIn: 401 without one, another city's token unknown).
	{"GET /api/v1/applications", public, tenantWide},
	{"POST /api/v1/applications", public, tenantWide},
	{"GET /api/v1/applications/{id}", public, tenantWide},
	{"GET /api/v1/applications/{id}/canonical", public, tenantWide},
	{"POST /api/v1/applications/{id}/steps/{n}", public, tenantWide},
	{"POST /api/v1/applications/{id}/files", public, tenantWide},
	{"POST /api/v1/applications/{id}/sign", public, tenantWide},
	{"POST /api/v1/applications/{id}/submit", public, tenantWide},
	{"GET /api/v1/documents", public, tenantWide},
	{"GET /api/v1/documents/{id}/pdf", public, tenantWide},
	{"GET /api/v1/documents/{id}/signature", public, tenantWide},
	{"GET /api/v1/documents/{id}/card.png", public, tenantWide},
	{"GET /.well-known/hromada-seals.json", public, tenantWide},
	{"GET /api/v1/me", public, tenantWide},
	{"GET /api/v1/news", public, tenantWide},
	{"GET /api/v1/news/{slug}", public, tenantWide},
	{"GET /api/v1/notifications", public, tenantWide},
	{"POST /api/v1/notifications/{id}/read", public, tenantWide},
	{"POST /api/v1/push-devices", public, tenantWide},
	{"POST /api/v1/push-devices/unregister", public, tenantWide},
	{"GET /api/v1/payments", public, tenantWide},
	{"GET /api/v1/appointments", public, tenantWide},
	{"POST /api/v1/appointments/{id}/cancel", public, tenantWide},
	{"GET /api/v1/appeals", public, tenantWide},
	{"GET /api/v1/appeals/{id}", public, tenantWide},
	{"GET /api/v1/petitions", public, tenantWide},
	{"POST /api/v1/petitions/{id}/signatures", public, tenantWide},
	{"GET /api/v1/polls", public, tenantWide},
	{"POST /oauth/revoke", public, tenantWide},
	{"POST /oauth/token", public, tenantWide},
	{"GET /admin/monitoring", "reports:read", tenantWide},
	{"GET /admin/monitoring/export.csv", "reports:export", tenantWide},
	{"GET /admin/monitoring/officials", "reports:read", byQuery},
	{"GET /admin/notifications/bulk", "bulk_notices:read", tenantWide},
	{"POST /admin/notifications/bulk", "bulk_notices:create", tenantWide},
	{"POST /admin/notifications/bulk/preview", "bulk_notices:create", tenantWide},
	{"GET /admin/notifications/limits", "tenant_settings:read", tenantWide},
	{"POST /admin/notifications/limits", "tenant_settings:update", tenantWide},
	{"GET /api/v1/openapi.json", public, tenantWide},
	{"GET /cabinet/devices", "own_profile:read", tenantWide},
	{"POST /cabinet/devices/{id}/revoke", "own_profile:update", tenantWide},
	{"GET /cabinet/sessions", "own_profile:read", tenantWide},
	{"POST /cabinet/sessions/end-others", "own_profile:update", tenantWide},
	{"POST /cabinet/sessions/{id}/end", "own_profile:update", tenantWide},
	{"POST /cabinet/notifications/settings/webpush", "own_profile:update", tenantWide},
	{"POST /cabinet/notifications/settings/webpush/remove", "own_profile:update", tenantWide},
	{"GET /oauth/authorize", "own_profile:read", tenantWide},
	{"POST /oauth/authorize", "own_profile:update", tenantWide},
	{"GET /opendata/indicators.csv", public, tenantWide},
	{"GET /opendata/indicators.json", public, tenantWide},
	{"GET /statistics", public, tenantWide},
	// Providers' own systems (issue 26): public to the guard; each checks
	// the system's client credentials, and callbacks its signature
	// (TestWebhookRoundTrip: forged, stale and replayed ones refused).
	{"POST /provider-api/v1/callbacks", public, tenantWide},
	{"GET /provider-api/v1/deliveries", public, tenantWide},
	{"POST /provider-api/v1/deliveries/{message}/ack", public, tenantWide},
	{"GET /provider-api/v1/files/{app}/{file}", public, tenantWide},
	{"POST /provider-api/v1/sed", public, tenantWide},
	{"POST /provider-api/v1/token", public, tenantWide},
	{"GET /admin/provider-systems", "providers:read", tenantWide},
	{"POST /admin/provider-systems", "providers:update", tenantWide},
	{"POST /admin/provider-systems/{route}/secret", "providers:update", tenantWide},
	{"POST /admin/provider-systems/{route}/test", "providers:update", tenantWide},
	{"POST /admin/provider-systems/{route}/remove", "providers:update", tenantWide},
}

// scopeKindOf names a declared ScopeFunc by what it reads.
func scopeKindOf(f access.ScopeFunc) scopeKind {
	if f == nil {
		return tenantWide
	}
	name := runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
	for _, k := range []struct {
		part string
		kind scopeKind
	}{{"ScopeQuery", byQuery}, {"ScopeForm", byForm}, {"ScopeOfRow", byRow}, {"ScopeService", byService}, {"ScopeCentre", byCentre}} {
		if strings.Contains(name, k.part) {
			return k.kind
		}
	}
	return scopeKind(name)
}

// heldRole is a role a persona holds: at a provider, or tenant-wide ("").
type heldRole struct{ role, provider string }

// definitionAllows is what policies/default.csv (with the lines code pins)
// says: some allow line of a role held matches and no deny line does; a
// provider line matches only a request at the provider the role is held
// at, a tenant line wherever the role is held. Every account is a resident.
func definitionAllows(rules []access.Rule, held []heldRole, obj, act, scope string) bool {
	roles := append([]heldRole{{role: access.RoleResident}}, held...)
	matches := func(r access.Rule) bool {
		if (r.Object != obj && r.Object != "*") || (r.Action != act && r.Action != "*") {
			return false
		}
		for _, h := range roles {
			if h.role != r.Role {
				continue
			}
			if r.Scope == access.ScopeTenant || (scope != "" && h.provider == scope) {
				return true
			}
		}
		return false
	}
	allowed := false
	for _, r := range rules {
		if matches(r) {
			if r.Effect == access.EffectDeny {
				return false
			}
			allowed = true
		}
	}
	return allowed
}

// attackEnv is Kyiv and Lviv of the demo, with what the attack needs.
type attackEnv struct {
	ta         *testApp
	kyiv, lviv *tenant.Tenant
	ctx        context.Context // Kyiv's
	rules      []access.Rule
	service    string // a service's code, and its provider
	serviceOf  string
	centre     string // a centre's code, and its provider
	centreOf   string
	print      string // the fingerprint query
}

// fingerprint sums up Kyiv's rows of every table but those a request
// writes whatever it asks (its session, the staff's journal of requests,
// its refusal's security event and lockout counter): equal before and
// after, nothing was changed.
func (e *attackEnv) fingerprint(t *testing.T) string {
	t.Helper()
	var fp string
	require.NoError(t, e.ta.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, e.print).Scan(&fp)
	}))
	return fp
}

func newAttackEnv(t *testing.T) *attackEnv {
	t.Helper()
	ta := startApp(t, testAppOpts{})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	e := &attackEnv{ta: ta}
	for _, tn := range ts {
		switch tn.Slug {
		case "kyiv":
			e.kyiv = tn
		case "lviv":
			e.lviv = tn
		}
	}
	require.NotNil(t, e.kyiv)
	require.NotNil(t, e.lviv)
	e.ctx = tenant.With(t.Context(), e.kyiv)
	e.rules, err = access.DefaultRules()
	require.NoError(t, err)
	require.NoError(t, ta.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT code, provider_id::text FROM services WHERE code = 'KY-0001'`).Scan(&e.service, &e.serviceOf); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT c.code, s.provider_id::text FROM centre_settings s JOIN centres c ON c.tenant_id = s.tenant_id AND c.id = s.centre_id ORDER BY c.code LIMIT 1`).Scan(&e.centre, &e.centreOf); err != nil {
			return fmt.Errorf("a centre: %w", err)
		}
		rows, err := tx.Query(ctx, `
			SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
			WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
			ORDER BY 1`)
		if err != nil {
			return err
		}
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		var parts []string
		for _, tb := range tables {
			// Also what the platform writes by itself meanwhile: the
			// indicators' rollups and the card views' counters (flushed
			// every minute from memory, whoever asked).
			if slices.Contains([]string{"security_events", "lockouts", "sessions", "staff_requests", "service_card_views"}, tb) ||
				strings.HasPrefix(tb, "monitoring_") {
				continue
			}
			parts = append(parts, fmt.Sprintf(`(SELECT '%[1]s:' || count(*) || ':' || coalesce(sum(hashtext(x::text)), 0) FROM %[1]s x)`, tb))
		}
		// A function takes at most 100 arguments: the tables, in groups.
		var groups []string
		for len(parts) > 0 {
			n := min(len(parts), 90)
			groups = append(groups, `concat_ws(';', `+strings.Join(parts[:n], ", ")+`)`)
			parts = parts[n:]
		}
		e.print = `SELECT concat_ws(';', ` + strings.Join(groups, ", ") + `)`
		return nil
	}))
	return e
}

// settle waits until the jobs the start enqueued (the policy upgrade, the
// rollups, the deadlines' first run) are done: they write the city's
// tables by themselves.
func (e *attackEnv) settle(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, e.ta.db.Owner.QueryRow(t.Context(),
			`SELECT count(*) FROM river_job WHERE state IN ('available', 'running') OR (state IN ('scheduled', 'retryable') AND scheduled_at < now() + interval '1 minute')`).Scan(&n))
		return n == 0
	}, 3*time.Minute, 50*time.Millisecond, "the start's jobs did not finish")
}

// path is the row's pattern with values for its parameters: the demo's
// service and centre where the scope is read from them, made-up ids
// elsewhere (an object that is not there: the scope is then no provider).
func (e *attackEnv) path(row routeRow) string {
	_, pattern, _ := strings.Cut(row.route, " ")
	code := "KY-0001"
	if row.scope == byCentre || strings.HasPrefix(pattern, "/centres/") {
		code = e.centre
	}
	r := strings.NewReplacer("{code}", code, "{id}", uuid.NewString(), "{file}", uuid.NewString(), "{doc}", uuid.NewString(),
		"{visit}", uuid.NewString(), "{key}", uuid.NewString(), "{rule}", uuid.NewString(),
		"{route}", uuid.NewString(), "{message}", uuid.NewString(), "{app}", uuid.NewString(), "{n}", "0", "{slug}", "no-such-page")
	return r.Replace(pattern)
}

// scopeOf is the provider the request's permission is checked at, as the
// roles' definition sees it, and the query or form that names it.
func (e *attackEnv) scopeOf(row routeRow, held []heldRole) (scope string, extra url.Values) {
	own := ""
	for _, h := range held {
		if h.provider != "" {
			own = h.provider
			break
		}
	}
	switch row.scope {
	case byQuery, byForm:
		if own != "" {
			return own, url.Values{"provider": {own}}
		}
	case byService:
		return e.serviceOf, nil
	case byCentre:
		return e.centreOf, nil
	}
	return "", nil
}

func (e *attackEnv) heldBy(t *testing.T, account uuid.UUID) []heldRole {
	t.Helper()
	var held []heldRole
	require.NoError(t, e.ta.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT role, coalesce(provider_id::text, '') FROM access_grants WHERE account_id = $1 AND status = 'active'`, account)
		if err != nil {
			return err
		}
		held, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (heldRole, error) {
			var h heldRole
			return h, r.Scan(&h.role, &h.provider)
		})
		return err
	}))
	return held
}

func (e *attackEnv) denials(t *testing.T, account uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, e.ta.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM security_events WHERE kind = 'access_denied' AND subject = $1`, account.String()).Scan(&n); err != nil {
			return err
		}
		// The attack is no attacker's: its refusals lock no one out.
		_, err := tx.Exec(ctx, `DELETE FROM lockouts WHERE key = $1`, audit.AccountKey(account.String()))
		return err
	}))
	return n
}

func TestEveryRouteAttacked(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)

	// The table and the router: the same routes, the same permissions.
	ds, err := access.Declarations(e.ta.portal())
	require.NoError(t, err)
	declared := map[string]access.Declaration{}
	for _, d := range ds {
		declared[d.Method+" "+d.Pattern] = d
	}
	listed := map[string]bool{}
	for _, row := range routeTable {
		require.False(t, listed[row.route], "%s is listed twice", row.route)
		listed[row.route] = true
		d, ok := declared[row.route]
		require.True(t, ok, "%s is in the table but not in the router", row.route)
		if row.need == public {
			require.True(t, d.Public, "%s: the table says public, the router declares %v", row.route, d.Perm)
			continue
		}
		require.NotNil(t, d.Perm, "%s: the table says %s, the router declares it public", row.route, row.need)
		require.Equal(t, row.need, d.Perm.String(), "%s: the permission the route declares", row.route)
		require.Equal(t, row.scope, scopeKindOf(d.Perm.Scope), "%s: where the provider comes from", row.route)
	}
	for r := range declared {
		require.True(t, listed[r], "the router has %s, which the table of routes does not list: add it, with who may use it", r)
	}

	u := func(host, path string) string { return e.ta.url(host, path) }
	e.settle(t)

	// Anonymous: every route that is not public sends to sign in, and a
	// POST changes nothing.
	anon := e.ta.unchecked(t)
	before := e.fingerprint(t)
	for _, row := range routeTable {
		if row.need == public {
			continue
		}
		method, _, _ := strings.Cut(row.route, " ")
		r := do(t, anon, method, u(appsKyiv, e.path(row)), url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, "anonymous %s", row.route)
		require.True(t, strings.HasPrefix(r.header.Get("Location"), "/auth/login"), "anonymous %s goes to %s", row.route, r.header.Get("Location"))
	}
	require.Equal(t, before, e.fingerprint(t), "an anonymous request changed something")

	personas := []string{"resident", "legal_rep", "official-dcnap", "official-transport", "provider_head", "administrator", "dispatcher", "owner", "auditor"}
	// Everyone signs in first (a sign-in writes). The personas then attack
	// one after the other: each compares the database around its refused
	// POSTs, and another's requests may write on first use (a city's
	// sender identity, made when its page is first opened).
	clients := map[string]*http.Client{}
	for _, persona := range personas {
		c := e.ta.unchecked(t)
		r, _ := signIn(t, e.ta, c, appsKyiv, persona)
		require.Equal(t, http.StatusOK, r.status, "signing in as %s", persona)
		clients[persona] = c
	}
	t.Run("personas", func(t *testing.T) {
		for _, persona := range personas {
			t.Run(persona, func(t *testing.T) {
				e.attackAs(t, persona, clients[persona])
			})
		}
	})
	// Signing out ends a session.
	c := clients["resident"]
	require.Equal(t, http.StatusSeeOther, do(t, c, http.MethodPost, u(appsKyiv, "/auth/logout"), url.Values{}, nil).status)
	require.Equal(t, http.StatusSeeOther, get(t, c, u(appsKyiv, "/cabinet")).status)
}

// attackAs tries every route as persona, signed in on c.
func (e *attackEnv) attackAs(t *testing.T, persona string, c *http.Client) {
	u := func(host, path string) string { return e.ta.url(host, path) }
	{
		var account uuid.UUID
		require.NoError(t, e.ta.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM accounts WHERE rnokpp = $1`, appsPersona(t, persona).RNOKPP).Scan(&account)
		}))
		held := e.heldBy(t, account)
		sub := access.Subject{AccountID: account}
		staff := len(held) > 0
		for _, row := range routeTable {
			method, _, _ := strings.Cut(row.route, " ")
			if row.route == "POST /auth/logout" {
				continue // the persona's own session: tried last
			}
			scope, extra := e.scopeOf(row, held)
			path := e.path(row)
			want := row.need == public
			if !want {
				obj, act, _ := strings.Cut(row.need, ":")
				want = definitionAllows(e.rules, held, obj, act, scope)
			}
			if method == http.MethodPost && want {
				// Allowed: asked of the guard, not sent (it would change things).
				form := url.Values{}
				for k, v := range extra {
					form[k] = v
				}
				req := httpRequestIn(t, e, u(appsKyiv, path))
				link := access.Post(path, form)
				can, err := e.ta.portalGuard.AllowsFor(req, sub, link)
				require.NoError(t, err)
				require.True(t, can.HasLink(link), "%s may %s by the roles' definition; the portal refuses", persona, row.route)
				continue
			}
			target := path
			var form url.Values
			if method == http.MethodGet && len(extra) > 0 {
				target += "?" + extra.Encode()
			} else if method == http.MethodPost {
				form = url.Values{}
				for k, v := range extra {
					form[k] = v
				}
			}
			denied := e.denials(t, account)
			var fp string
			if method == http.MethodPost {
				fp = e.fingerprint(t)
			}
			got := do(t, c, method, u(appsKyiv, target), form, nil)
			refused := e.denials(t, account) > denied
			require.Less(t, got.status, 500, "%s %s %s: %s", persona, method, target, got.body)
			if row.route == "GET /admin" {
				// Every signed-in person passes the guard; the workspace
				// itself is staff's (not a denial: no lockout counts it).
				require.False(t, refused)
				require.Equal(t, map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[staff], got.status, "%s /admin", persona)
				continue
			}
			require.Equal(t, !want, refused, "%s %s %s: the roles' definition says allowed=%v; status %d", persona, method, target, want, got.status)
			if !want {
				require.Equal(t, http.StatusForbidden, got.status, "%s %s", persona, row.route)
				if method == http.MethodPost {
					fp2 := e.fingerprint(t)
					if fp2 != fp {
						a, b := strings.Split(fp, ";"), strings.Split(fp2, ";")
						for k := range a {
							if k < len(b) && a[k] != b[k] {
								t.Logf("changed: %s -> %s", a[k], b[k])
							}
						}
					}
					require.Equal(t, fp, fp2, "%s %s was refused but changed something", persona, row.route)
				}
			}
		}

		if persona != "resident" && persona != "administrator" {
			return // the same for every session: tried as two
		}
		// Every POST from another site is refused, changing nothing.
		fp := e.fingerprint(t)
		for _, row := range routeTable {
			method, _, _ := strings.Cut(row.route, " ")
			if method != http.MethodPost {
				continue
			}
			got := do(t, c, method, u(appsKyiv, e.path(row)), url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"})
			require.Equal(t, http.StatusForbidden, got.status, "%s cross-site %s", persona, row.route)
		}
		require.Equal(t, fp, e.fingerprint(t), "%s: a cross-site POST changed something", persona)

		// Kyiv's session on Lviv's host is no one's.
		cookies := c.Jar.Cookies(mustURL(t, u(appsKyiv, "/")))
		require.NotEmpty(t, cookies)
		var header []string
		for _, ck := range cookies {
			header = append(header, ck.Name+"="+ck.Value)
		}
		for _, row := range routeTable {
			method, _, _ := strings.Cut(row.route, " ")
			if row.need == public || method != http.MethodGet {
				continue
			}
			got := do(t, e.ta.unchecked(t), method, u(appsLviv, e.path(row)), nil, map[string]string{"Cookie": strings.Join(header, "; ")})
			require.Equal(t, http.StatusSeeOther, got.status, "%s's Kyiv session on Lviv's %s", persona, row.route)
		}

	}
}

// httpRequestIn is a request to u in Kyiv, for asking the guard.
func httpRequestIn(t *testing.T, e *attackEnv, u string) *http.Request {
	t.Helper()
	r, err := http.NewRequestWithContext(e.ctx, http.MethodGet, u, nil)
	require.NoError(t, err)
	return r
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
