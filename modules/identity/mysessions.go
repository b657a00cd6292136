package identity

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/web"
)

// A person sees and ends their own browser sessions in their city
// («Мої сеанси», ASVS 3.3.4): a browser left signed in elsewhere is ended
// from here.

// ErrNoSession: no such session among the person's others (another
// person's, already ended, or this very one, which sign-out ends).
var ErrNoSession = apperr.New(apperr.NotFound, "identity.error.no_session")

// BrowserSession is one of a person's signed-in browser sessions.
type BrowserSession struct {
	ID         uuid.UUID
	SignedInAt time.Time
	LastSeenAt time.Time
	Browser    string // "Chrome", "Firefox"…; "" when the User-Agent says nothing known
	System     string // "Android", "iOS", "Windows"…; "" likewise
	IP         string
	Current    bool // the session of this request
}

// noteSignIn commits the just-signed-in session at once (its row exists
// before the response is written) and records whose it is and where from.
func (s *Service) noteSignIn(ctx context.Context, account uuid.UUID) error {
	token, _, err := s.sessions.Commit(ctx)
	if err != nil {
		return err
	}
	req := audit.RequestFrom(ctx)
	ua := req.UserAgent
	if len(ua) > 512 {
		ua = ua[:512]
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE sessions SET account_id = $2, user_agent = $3, ip = $4, signed_in_at = now(), last_seen_at = now()
			WHERE token = $1`, token, account, ua, req.IP)
		return err
	})
}

// MySessions are the signed-in person's live sessions here, the latest
// used first.
func (s *Service) MySessions(ctx context.Context) ([]BrowserSession, error) {
	me := SignedFrom(ctx)
	if me == nil {
		return nil, ErrNoSession
	}
	current := s.sessions.Token(ctx)
	var out []BrowserSession
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, coalesce(signed_in_at, last_seen_at), last_seen_at, user_agent, ip, token = $2
			FROM sessions WHERE account_id = $1 AND expiry > now() ORDER BY last_seen_at DESC, id`, me.AccountID, current)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b BrowserSession
			var ua string
			if err := rows.Scan(&b.ID, &b.SignedInAt, &b.LastSeenAt, &ua, &b.IP, &b.Current); err != nil {
				return err
			}
			b.Browser, b.System = describeUA(ua)
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}

// EndSession ends one of the person's other sessions: its cookie finds
// nothing from then on. Another person's session, an ended one or this
// one: ErrNoSession, and nothing changes.
func (s *Service) EndSession(ctx context.Context, id uuid.UUID) error {
	me := SignedFrom(ctx)
	if me == nil {
		return ErrNoSession
	}
	current := s.sessions.Token(ctx)
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = $1 AND account_id = $2 AND token <> $3`, id, me.AccountID, current)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNoSession
		}
		_, err = s.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: me.AccountID.String()},
			Action: "identity.session.end", ObjectType: "session", ObjectID: id.String()})
		return err
	})
}

// EndOtherSessions ends every session of the person but this one and
// says how many it ended (none the second time).
func (s *Service) EndOtherSessions(ctx context.Context) (int, error) {
	me := SignedFrom(ctx)
	if me == nil {
		return 0, ErrNoSession
	}
	current := s.sessions.Token(ctx)
	var n int
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND token <> $2`, me.AccountID, current)
		if err != nil {
			return err
		}
		if n = int(tag.RowsAffected()); n == 0 {
			return nil // nothing ended, nothing to record
		}
		_, err = s.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: me.AccountID.String()},
			Action: "identity.session.end_others", ObjectType: "account", ObjectID: me.AccountID.String(),
			Details: map[string]any{"ended": n}})
		return err
	})
	return n, err
}

// describeUA names the browser and system of a User-Agent in a few words
// a person recognises; the first match wins, so the tokens that others
// imitate (Chrome's "Safari", Edge's "Chrome") are tried after them.
func describeUA(ua string) (browser, system string) {
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"}, {"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
		{"YaBrowser/", "Yandex Browser"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"}, {"CriOS/", "Chrome"},
		{"Chromium/", "Chromium"}, {"Chrome/", "Chrome"}, {"Version/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"CrOS", "ChromeOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	return browser, system
}

type sessionsData struct {
	Sessions []BrowserSession
	Done     string // "ended", "others": what was just done
}

func (s *Service) handleSessions(w http.ResponseWriter, r *http.Request) {
	ss, err := s.MySessions(r.Context())
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	done := r.URL.Query().Get("done")
	if done != "ended" && done != "others" {
		done = ""
	}
	s.rd.Render(w, r, http.StatusOK, "auth/sessions", &web.Page{TitleKey: "identity.sessions.title", Data: sessionsData{Sessions: ss, Done: done}})
}

func (s *Service) handleEndSession(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		s.rd.Error(w, r, ErrNoSession)
		return
	}
	if err := s.EndSession(r.Context(), id); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/sessions?done=ended", http.StatusSeeOther)
}

func (s *Service) handleEndOthers(w http.ResponseWriter, r *http.Request) {
	if _, err := s.EndOtherSessions(r.Context()); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/sessions?done=others", http.StatusSeeOther)
}
