package notify

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
)

// RateLimit is a city's limit of one channel, as its page shows it.
type RateLimit struct {
	Channel   Channel
	PerMinute int  // in force
	Default   int  // the platform's (Options.RateLimit)
	Max       int  // the most a city may set
	Own       bool // the city set it
	// LastHour is how many messages went out through the channel in
	// the last hour (delivered), to set the limit against.
	LastHour int
}

// maxRateLimit is the most a city may set for c: ten times the default,
// so a typo cannot unleash a flood the providers would block the city
// for, nor 0 stop a channel (that is what the senders' settings are for).
func (s *Service) maxRateLimit(c Channel) int {
	return max(DefaultRateLimit[c], s.o.RateLimit[c]) * 10
}

// RateLimits reads the city's limits per channel with the last hour's
// sends.
func (s *Service) RateLimits(ctx context.Context) ([]RateLimit, error) {
	out := make([]RateLimit, 0, len(Channels))
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		own, err := ownLimits(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT channel, count(*) FROM notify_deliveries
			WHERE status = 'delivered' AND delivered_at > now() - interval '1 hour' GROUP BY channel`)
		if err != nil {
			return err
		}
		sent := map[Channel]int{}
		var (
			c Channel
			n int
		)
		if _, err := pgx.ForEachRow(rows, []any{&c, &n}, func() error { sent[c] = n; return nil }); err != nil {
			return err
		}
		for _, c := range Channels {
			l := RateLimit{Channel: c, PerMinute: s.o.RateLimit[c], Default: s.o.RateLimit[c], Max: s.maxRateLimit(c), LastHour: sent[c]}
			if n, ok := own[c]; ok {
				l.PerMinute, l.Own = n, true
			}
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

func ownLimits(ctx context.Context, tx pgx.Tx) (map[Channel]int, error) {
	rows, err := tx.Query(ctx, `SELECT channel, per_minute FROM notify_rate_limits`)
	if err != nil {
		return nil, err
	}
	own := map[Channel]int{}
	var (
		c Channel
		n int
	)
	_, err = pgx.ForEachRow(rows, []any{&c, &n}, func() error { own[c] = n; return nil })
	return own, err
}

// errRateLimit: a limit is not a whole number within 1..Max.
var errRateLimit = apperr.New(apperr.Invalid, "notify.error.rate_limit")

// RateLimitErrors are the limits refused, by channel.
type RateLimitErrors map[Channel]*apperr.Error

func (e RateLimitErrors) Error() string { return "notify: the rate limits form has errors" }

// SaveRateLimits sets the city's limits from typed (per channel, as
// typed; a channel not in it keeps its limit), audited, in one
// transaction; nothing is saved when any is wrong (RateLimitErrors). It
// says whether anything changed: the same form twice changes nothing the
// second time.
func (s *Service) SaveRateLimits(ctx context.Context, typed map[Channel]string) (bool, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return false, errSignedOut
	}
	if s.o.Audit == nil {
		return false, ErrBulkAuditOff
	}
	want := map[Channel]int{}
	errs := RateLimitErrors{}
	for _, c := range Channels {
		v, ok := typed[c]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > s.maxRateLimit(c) {
			errs[c] = errRateLimit.With(map[string]any{"Max": s.maxRateLimit(c)})
			continue
		}
		want[c] = n
	}
	if len(errs) > 0 {
		return false, errs
	}
	var changed bool
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		own, err := ownLimits(ctx, tx)
		if err != nil {
			return err
		}
		details := map[string]any{}
		for _, c := range Channels {
			n, ok := want[c]
			if !ok {
				continue
			}
			was, set := own[c]
			if !set {
				was = s.o.RateLimit[c]
			}
			if set && was == n || !set && n == s.o.RateLimit[c] {
				// The same limit (a city that keeps the default keeps
				// no row, so a later change of the default reaches it).
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO notify_rate_limits (tenant_id, channel, per_minute, updated_by)
				VALUES (app_tenant_id(), $1, $2, $3)
				ON CONFLICT (tenant_id, channel) DO UPDATE SET per_minute = $2, updated_by = $3, updated_at = now()`, c, n, sg.AccountID); err != nil {
				return err
			}
			details[string(c)] = map[string]int{"from": was, "to": n}
		}
		if len(details) == 0 {
			return nil
		}
		changed = true
		_, err = s.o.Audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
			Action: "notify.rate_limits.update", ObjectType: "notify_rate_limits", ObjectID: "city", Details: details})
		return err
	})
	return changed, err
}
