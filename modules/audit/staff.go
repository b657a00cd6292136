package audit

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// StaffJournal records every request a member of staff makes — who, when,
// what — as seed 003 §6.4 asks of officials. Staff says who the request's
// person is and which staff roles they hold (none: not recorded); the
// identity module knows (identity.Service.Staff).
type StaffJournal struct {
	Audit *Service // made by New: it writes the journal
	Staff func(r *http.Request) (account uuid.UUID, roles []string, ok bool)
}

// Middleware writes the journal line after the response, in a transaction
// of its own: the request's own work is never held up or undone by it.
func (j *StaffJournal) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		account, roles, ok := j.Staff(r)
		if !ok || len(roles) == 0 {
			return
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		route := r.URL.Path
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		j.Audit.recordStaffRequest(context.WithoutCancel(r.Context()), staffRequest{account: account, roles: roles,
			method: r.Method, route: route, path: r.URL.Path, status: status})
	})
}

// staffRequest is one line of the staff journal.
type staffRequest struct {
	account             uuid.UUID
	roles               []string
	method, route, path string
	status              int
}

// recordStaffRequest writes a line of the staff journal in a transaction of
// its own, with the request (IP, request id) from ctx. A failure is logged:
// the request is answered already.
func (s *Service) recordStaffRequest(ctx context.Context, q staffRequest) {
	req := RequestFrom(ctx)
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO staff_requests (tenant_id, id, account_id, roles, method, route, path, status, ip, request_id)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			id, q.account, q.roles, q.method, q.route, clean(q.path, 500), q.status, req.IP, req.RequestID)
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "writing the staff journal", "error", err)
	}
}
