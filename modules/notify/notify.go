// Package notify is how the platform tells people things (seed 003 §4.6,
// seed 000 §5.15; DOMAIN.md Notifications). The cabinet inbox is the legal
// record: every notice lands there, with no opt-out. A notice may also go
// out by e-mail and SMS, to the addresses the person has confirmed, and by
// push to the devices they registered, for the kinds of notice they chose,
// each pointing back to the inbox and carrying nothing personal beyond
// what the channel needs.
//
// Push devices: the city app registers its FCM token through the city-app
// API, which calls Service.RegisterDevice(ctx, account, Device{Platform:
// FCMPlatform, Token, AppVersion}) in the tenant of ctx (one transaction
// of its own; registering the same token again is harmless, and a token
// another person had moves to this one), and Service.UnregisterDevice on
// sign-out. Each device of a person is a delivery of its own (its address
// is the device's id). FCM HTTP v1 (fcm.go) authenticates as the Firebase
// project's service account; a token FCM calls UNREGISTERED is disabled
// in the transaction that records the failure, and gets nothing until it
// is registered again. Web Push (webpush.go) reaches the portal in a
// browser: the settings page hands the browser the city's VAPID key
// (vapid.go, sealed at rest, one per city), push.js posts the
// subscription after the person clicks, and each notice is encrypted to
// it (RFC 8291) and signed (RFC 8292); a 404/410 disables it likewise.
//
// One path for every notice (a transactional outbox): the module that
// causes a notice calls Post in its own transaction, which writes the inbox
// row and, per channel, a delivery row and the River job that sends it; all
// three exist if and only if the cause committed. The delivery row is the
// idempotency key of (notice, channel) and a small state machine — created
// → sending → delivered | temporary | permanent — that the sender takes
// under FOR UPDATE, so a retried or duplicated job never sends twice.
//
// Who gets what: residents every notice applications posts about their
// applications (status, results, clarification requests); officials the
// new work in their provider's queue, at once (Officials); administrators
// the lockout alert, at once (Account, wired as audit.Service.Notify). The
// role-addressed outbox of migration 0004 stays audit's record of those
// messages and is not read here: the module that knows the recipients
// posts to each of them in the transaction of the cause, so no poller
// over the outbox is needed and nothing waits for one.
//
// Exactly once across a kill -9: a delivery the dead process was sending
// stays "sending" for the sending lease (the jobs' timeout, after which no
// attempt can still run) and is then sent again by its rescued job; one
// that never reached its provider arrives once (cmd/hromada's
// TestNoticesSurviveKill9: e-mail, SMS and push each in flight at the
// kill, each received once). One gap stays, stated: a process killed after
// the provider accepted a message and before the delivery was marked
// delivered sends it again — an e-mail with the same Message-ID, which
// mail clients show once; an SMS or a push twice (neither TurboSMS nor FCM
// takes an idempotency key).
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/audit"
	"hromada/tenant"
	"hromada/web"
)

// Kind is what a notice is about; a person chooses channels per kind.
type Kind string

// The kinds of notice.
const (
	KindStatus        Kind = "status"        // an application changed status
	KindResult        Kind = "result"        // a decision or a result issued
	KindClarification Kind = "clarification" // an official asks the applicant for more
	KindNewWork       Kind = "new_work"      // an application in an official's competence
	KindSecurity      Kind = "security"      // security alerts (a lockout) for administrators
	KindCode          Kind = "code"          // a one-time code confirming an address
	KindNews          Kind = "news"          // the city's announcements, to those who opted in (bulk.go)
)

// Kinds are the kinds a person may choose channels for, in the order the
// preferences page shows them (codes always go to the address confirmed).
var Kinds = []Kind{KindStatus, KindResult, KindClarification, KindNewWork, KindSecurity, KindNews}

// optIn says whether kind k goes out only to whom chose it (city news:
// an announcement is not the person's business, so nothing is sent
// unasked); every other kind is on for a confirmed address until turned
// off.
func optIn(k Kind) bool { return k == KindNews }

// Urgency is the lane a notice travels in.
type Urgency string

// The lanes: urgent never waits behind bulk, and quiet hours hold back
// all but urgent.
const (
	Urgent Urgency = "urgent"
	Normal Urgency = "normal"
	Bulk   Urgency = "bulk"
)

// urgencyOf is a kind's lane when the notice does not name one.
func urgencyOf(k Kind) Urgency {
	switch k {
	case KindResult, KindSecurity, KindCode, KindClarification:
		return Urgent
	}
	return Normal
}

// Channel is a way out of the portal.
type Channel string

// The channels.
const (
	Email Channel = "email"
	SMS   Channel = "sms"
	Push  Channel = "push" // to a person's registered devices (devices.go)
)

// Channels are the channels, in the order pages show them.
var Channels = []Channel{Email, SMS, Push}

// addressChannels are the channels whose address a person types and
// confirms on the preferences page (a push device registers itself).
var addressChannels = []Channel{Email, SMS}

// Status is a delivery's state.
type Status string

// The delivery states.
const (
	Created   Status = "created"
	Sending   Status = "sending"
	Delivered Status = "delivered"
	Temporary Status = "temporary" // failed, will be tried again
	Permanent Status = "permanent" // failed for good (refused, or out of attempts)
)

// Notice is one thing to tell one person.
type Notice struct {
	Account     uuid.UUID
	Application *uuid.UUID // the application it is about, if any
	Kind        Kind
	Urgency     Urgency // empty: the kind's
	// Key is a message of web/locales and Args its arguments: the text
	// of the inbox, of the e-mail and (under "sms."+Key when there is one)
	// of the SMS.
	Key  string
	Args map[string]any
}

// Sealer encrypts secrets at rest (identity.Sealer): the cities' DKIM keys.
type Sealer interface {
	Seal(plain, ad []byte) ([]byte, error)
	Open(sealed, ad []byte) ([]byte, error)
}

// Options configure the Service.
type Options struct {
	DB  *tenant.DB
	Log *slog.Logger
	// Insert puts a River job in a transaction (the root's insertJob).
	Insert func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error
	// Mail sends e-mail; nil: e-mail is not configured and no e-mail
	// delivery is created.
	Mail *Mail
	// SMS sends SMS; nil: SMS is not configured.
	SMS *TurboSMS
	// FCM sends push notices to the city app's devices; nil: not
	// configured, and no delivery is created for an FCM device.
	FCM *FCM
	// WebPush sends push notices to the portal in browsers; nil: not
	// configured, and the portal offers no browser subscription.
	WebPush *WebPush
	// Audit records the dispatcher's bulk sends; nil: no bulk sends.
	Audit *audit.Service
	// Sealer seals the cities' DKIM keys.
	Sealer Sealer
	// LinkKey signs the links to the inbox that e-mail carries (32 bytes).
	LinkKey []byte
	// PortalURL is the base URL of a city's portal (scheme and host).
	PortalURL func(t *tenant.Tenant) string
	// MailDomain, when set, is the domain of the cities' sender addresses
	// (noreply@<slug>.<MailDomain>); empty: the portal's host.
	MailDomain string
	// RetryAfter is how long a temporary failure waits before the next
	// attempt; nil: back-off of attempt² × 10 s.
	RetryAfter func(attempt int) time.Duration
	// RateLimit caps how many messages a city sends per minute through
	// each channel (a relay's or gateway's quota, a runaway loop); a
	// delivery over it waits. Zero for a channel: DefaultRateLimit.
	RateLimit map[Channel]int
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
	// SendingLease is how long a delivery an attempt marked sending is
	// that attempt's (DefaultSendingLease when zero): after it, a rescued
	// job sends again. It must outlast an attempt — the jobs' timeout.
	SendingLease time.Duration
}

// DefaultRateLimit is each channel's messages per minute per city.
var DefaultRateLimit = map[Channel]int{Email: 600, SMS: 120, Push: 1200}

// Service is the notices' register and their deliveries. Each exported
// method is one transaction, but Post, which joins the caller's.
type Service struct {
	o   Options
	loc map[string]*web.Localizer
	// keys are the cities' DKIM keys already opened and parsed, by their
	// sealed bytes: parsing (and validating) an RSA-2048 key for every
	// e-mail was a large share of a bulk send's CPU. A rotated key has
	// other sealed bytes, so it is never served stale.
	keys dkimKeys
}

// New returns the Service.
func New(o Options) (*Service, error) {
	if o.DB == nil || o.Log == nil || o.Insert == nil || o.PortalURL == nil {
		return nil, errors.New("notify: DB, Log, Insert and PortalURL are required")
	}
	if o.Mail != nil && o.Mail.Username != "" && !o.Mail.StartTLS {
		// Refused at start rather than at every delivery (Mail.Send
		// refuses too): credentials go only over TLS.
		return nil, errors.New("notify: SMTP credentials (HROMADA_SMTP_USERNAME) need STARTTLS (HROMADA_SMTP_STARTTLS=true): they are never sent in the clear")
	}
	if o.Mail != nil && len(o.LinkKey) < 32 {
		return nil, errors.New("notify: the link key must be at least 32 bytes")
	}
	if (o.Mail != nil || o.WebPush != nil) && o.Sealer == nil {
		return nil, errors.New("notify: e-mail and Web Push need a Sealer for the cities' keys")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SendingLease <= 0 {
		o.SendingLease = DefaultSendingLease
	}
	if o.RetryAfter == nil {
		o.RetryAfter = func(attempt int) time.Duration { return time.Duration(attempt*attempt) * 10 * time.Second }
	}
	limits := map[Channel]int{}
	for _, c := range Channels {
		limits[c] = DefaultRateLimit[c]
		if n := o.RateLimit[c]; n > 0 {
			limits[c] = n
		}
	}
	o.RateLimit = limits
	s := &Service{o: o, loc: map[string]*web.Localizer{}}
	for _, lang := range web.Languages {
		l, err := web.NewLocalizer(lang)
		if err != nil {
			return nil, fmt.Errorf("notify: locales: %w", err)
		}
		s.loc[lang] = l
	}
	return s, nil
}

// channelOn says whether the Service can send through c at all.
func (s *Service) channelOn(c Channel) bool {
	switch c {
	case Email:
		return s.o.Mail != nil
	case SMS:
		return s.o.SMS != nil
	case Push:
		return s.o.FCM != nil || s.o.WebPush != nil
	}
	return false
}

// platformOn says whether the Service can send to a device of platform.
func (s *Service) platformOn(p Platform) bool {
	return p == FCMPlatform && s.o.FCM != nil || p == WebPushPlatform && s.o.WebPush != nil
}

func (s *Service) localizer(lang string) *web.Localizer {
	if l, ok := s.loc[lang]; ok {
		return l
	}
	return s.loc["uk"]
}
