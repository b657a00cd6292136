package identity

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/tenant"
)

// Session lifetimes: signed out after 30 minutes without a request, and
// after 12 hours whatever happens (a working day).
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
)

// SessionCookie is the name of the session cookie. It is host-only (no
// Domain), so each city's host has its own.
const SessionCookie = "hromada_session"

// SecureSessionCookie is its name over https: the __Host- prefix makes
// browsers refuse the cookie unless it is Secure, host-only and for path
// "/", so neither a sibling subdomain (another city) nor a page over plain
// http can plant or overwrite it (session fixation).
const SecureSessionCookie = "__Host-" + SessionCookie

// sessionStore keeps scs sessions in the sessions table through tenant.Tx:
// a token is looked up under the tenant of the request's host only, so a
// cookie carried to another city's host finds nothing.
type sessionStore struct{ db *tenant.DB }

var _ scs.CtxStore = (*sessionStore)(nil)

var errNeedsContext = errors.New("identity: the session store needs the request's context (the tenant)")

func (s *sessionStore) Find(string) ([]byte, bool, error)      { return nil, false, errNeedsContext }
func (s *sessionStore) Commit(string, []byte, time.Time) error { return errNeedsContext }
func (s *sessionStore) Delete(string) error                    { return errNeedsContext }

// FindCtx implements scs.CtxStore.
func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND expiry > now()`, token).Scan(&b)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// CommitCtx implements scs.CtxStore.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO sessions (tenant_id, token, data, expiry) VALUES (app_tenant_id(), $1, $2, $3)
			ON CONFLICT (tenant_id, token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, last_seen_at = now()`, token, b, expiry)
		return err
	})
}

// DeleteCtx implements scs.CtxStore.
func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token)
		return err
	})
}

// newSessions returns the session manager of every city's portal.
func newSessions(db *tenant.DB, secure bool, onError func(http.ResponseWriter, *http.Request, error)) *scs.SessionManager {
	m := scs.New()
	m.Store = &sessionStore{db: db}
	m.IdleTimeout = IdleTimeout
	m.Lifetime = AbsoluteTimeout
	m.Cookie.Name = SessionCookie
	if secure {
		m.Cookie.Name = SecureSessionCookie
	}
	m.Cookie.HttpOnly = true
	m.Cookie.Secure = secure
	m.Cookie.Path = "/"
	// Lax, not Strict: the identity provider sends the person back with a
	// top-level GET, which must carry the cookie of the sign-in in progress.
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Persist = false
	m.ErrorFunc = onError
	return m
}

// SweepArgs deletes a tenant's expired sessions.
type SweepArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "identity.sessions.sweep" }

// NewSweepWorker returns the worker of SweepArgs.
func NewSweepWorker(db *tenant.DB) *tenant.Worker[SweepArgs] {
	return tenant.NewWorker(db, func(ctx context.Context, tx pgx.Tx, _ *river.Job[SweepArgs]) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expiry <= now()`)
		return err
	})
}

// SweepAllArgs fans out one SweepArgs per active tenant; it runs
// periodically and carries no tenant itself.
type SweepAllArgs struct{}

// Kind implements river.JobArgs.
func (SweepAllArgs) Kind() string { return "identity.sessions.sweep_all" }

// SweepAllWorker enqueues a sweep for each active tenant.
type SweepAllWorker struct {
	river.WorkerDefaults[SweepAllArgs]
	DB *tenant.DB
}

// Work implements river.Worker.
func (w *SweepAllWorker) Work(ctx context.Context, _ *river.Job[SweepAllArgs]) error {
	return tenant.FanOut(ctx, w.DB, func(e tenant.Envelope) SweepArgs { return SweepArgs{Envelope: e} })
}
