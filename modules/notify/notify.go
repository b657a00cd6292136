// Package notify is how the platform tells people things (seed 003 §4.6,
// seed 000 §5.15; DOMAIN.md Notifications). The cabinet inbox is the legal
// record: every notice lands there, with no opt-out. A notice may also go
// out by e-mail and SMS, to the addresses the person has confirmed and for
// the kinds of notice they chose, each pointing back to the inbox and
// carrying nothing personal beyond what the channel needs.
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
// Exactly once has one gap, stated: a process killed after the relay
// accepted a message and before the delivery was marked delivered leaves
// it "sending"; after sendingLease the rescued job sends it again (an
// e-mail with the same Message-ID, which mail clients show once).
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

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
)

// Kinds are the kinds a person may choose channels for, in the order the
// preferences page shows them (codes always go to the address confirmed).
var Kinds = []Kind{KindStatus, KindResult, KindClarification, KindNewWork, KindSecurity}

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
)

// Channels are the channels, in the order pages show them.
var Channels = []Channel{Email, SMS}

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
}

// DefaultRateLimit is each channel's messages per minute per city.
var DefaultRateLimit = map[Channel]int{Email: 600, SMS: 120}

// Service is the notices' register and their deliveries. Each exported
// method is one transaction, but Post, which joins the caller's.
type Service struct {
	o   Options
	loc map[string]*web.Localizer
}

// New returns the Service.
func New(o Options) (*Service, error) {
	if o.DB == nil || o.Log == nil || o.Insert == nil || o.PortalURL == nil {
		return nil, errors.New("notify: DB, Log, Insert and PortalURL are required")
	}
	if o.Mail != nil && len(o.LinkKey) < 32 {
		return nil, errors.New("notify: the link key must be at least 32 bytes")
	}
	if o.Mail != nil && o.Sealer == nil {
		return nil, errors.New("notify: e-mail needs a Sealer for the DKIM keys")
	}
	if o.Now == nil {
		o.Now = time.Now
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
	}
	return false
}

func (s *Service) localizer(lang string) *web.Localizer {
	if l, ok := s.loc[lang]; ok {
		return l
	}
	return s.loc["uk"]
}
