package cityapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/applications"
	"hromada/modules/uploads"
)

// Idempotency errors.
var (
	ErrNoIdempotencyKey = apperr.New(apperr.Invalid, "cityapi.error.idempotency_key")
	ErrKeyReused        = apperr.New(apperr.Invalid, "cityapi.error.idempotency_reused")
	ErrKeyInFlight      = apperr.New(apperr.Conflict, "cityapi.error.idempotency_in_flight")
)

// maxPostBody bounds a JSON POST read for its hash (files have their own
// limits in uploads).
const maxPostBody = 1 << 20

// maxUploadBody bounds a multipart POST (a file of a draft): the file's
// own limit (uploads.DefaultMaxBytes) with room for the form around it,
// as the server's BodyLimit reads for an upload.
const maxUploadBody = uploads.DefaultMaxBytes + 1<<20

// stored is a kept answer; status 0: the first request is still running.
type stored struct {
	status      int
	contentType string
	body        []byte
}

// claimKey records that grant's request h under key is being served, in a
// transaction of its own so that a second request with the key sees it at
// once. It returns the kept answer when there is one.
func (s *Service) claimKey(ctx context.Context, grant uuid.UUID, key string, h []byte) (*stored, error) {
	var out *stored
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO api_idempotency (tenant_id, grant_id, key, request_hash) VALUES (app_tenant_id(), $1, $2, $3)
			ON CONFLICT DO NOTHING`, grant, key, h)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var prev []byte
		st := &stored{}
		if err := tx.QueryRow(ctx, `SELECT request_hash, status, content_type, body FROM api_idempotency WHERE grant_id = $1 AND key = $2`, grant, key).
			Scan(&prev, &st.status, &st.contentType, &st.body); err != nil {
			return err
		}
		switch {
		case !bytes.Equal(prev, h):
			return ErrKeyReused
		case st.status == 0:
			return ErrKeyInFlight
		}
		out = st
		return nil
	})
	return out, err
}

// keepAnswer stores the answer under the key; a server error forgets the
// key instead, so that the retry is served anew.
func (s *Service) keepAnswer(ctx context.Context, grant uuid.UUID, key string, st stored) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if st.status >= 500 {
			_, err := tx.Exec(ctx, `DELETE FROM api_idempotency WHERE grant_id = $1 AND key = $2`, grant, key)
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE api_idempotency SET status = $3, content_type = $4, body = $5 WHERE grant_id = $1 AND key = $2`,
			grant, key, st.status, st.contentType, st.body)
		return err
	})
}

// recorder keeps what a handler answers, to store and then send it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// idempotent serves a POST once per Idempotency-Key of the token: the
// same key again gets the first answer (Idempotent-Replayed: true), the
// key with another request is refused, and the key while its first
// request runs is a conflict. It runs inside bearer.
func (h *HTTP) idempotent(next http.HandlerFunc) http.HandlerFunc {
	return h.idempotentUpTo(maxPostBody, next)
}

// idempotentUpload is idempotent for a POST of a file: its body is read
// (and hashed) up to maxUploadBody; a bigger one is refused naming the
// "file", with the limit, as the pages say it.
func (h *HTTP) idempotentUpload(next http.HandlerFunc) http.HandlerFunc {
	return h.idempotentUpTo(maxUploadBody, next)
}

func (h *HTTP) idempotentUpTo(limit int64, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		c := callerOf(r)
		if key == "" || len(key) > 255 {
			h.rd.Problem(w, r, ErrNoIdempotencyKey)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) && limit == maxUploadBody {
			h.fieldProblem(w, r, "file", applications.ErrUploadTooLarge.With(map[string]any{"Limit": uploads.DefaultMaxBytes >> 20}).Wrap(err))
			return
		}
		if err != nil {
			h.rd.Problem(w, r, err)
			return
		}
		prev, err := h.svc.claimKey(r.Context(), c.Grant, key, requestHash(r, body))
		if err != nil {
			h.rd.Problem(w, r, err)
			return
		}
		if prev != nil {
			w.Header().Set("Content-Type", prev.contentType)
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prev.status)
			_, _ = w.Write(prev.body)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{header: w.Header()}
		next(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		// A copy, never nil: an empty answer (204) is kept as no bytes, not NULL.
		if err := h.svc.keepAnswer(r.Context(), c.Grant, key, stored{status: rec.status, contentType: rec.header.Get("Content-Type"), body: append([]byte{}, rec.body.Bytes()...)}); err != nil {
			h.rd.Problem(w, r, err)
			return
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	}
}

// callerOf is the caller bearer let through.
func callerOf(r *http.Request) *Caller {
	c, _ := r.Context().Value(callerKey{}).(*Caller)
	return c
}

// requestHash is what makes two requests the same one: the method, the
// path and the body — a multipart body by its parts' names, file names
// and contents, not its bytes, since a client that builds the retry anew
// draws another boundary for the same form.
func requestHash(r *http.Request, body []byte) []byte {
	sum := sha256.New()
	sum.Write([]byte(r.Method + " " + r.URL.RequestURI() + "\n"))
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		if parts, ok := multipartParts(body, params["boundary"]); ok {
			sum.Write(parts)
			return sum.Sum(nil)
		}
	}
	sum.Write(body)
	return sum.Sum(nil)
}

// multipartParts is a multipart body's parts, each as its form name, file
// name and content's SHA-256, in order; false when it does not parse.
func multipartParts(body []byte, boundary string) ([]byte, bool) {
	if boundary == "" {
		return nil, false
	}
	var out bytes.Buffer
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return out.Bytes(), true
		}
		if err != nil {
			return nil, false
		}
		h := sha256.New()
		if _, err := io.Copy(h, p); err != nil {
			return nil, false
		}
		fmt.Fprintf(&out, "%q %q %x\n", p.FormName(), p.FileName(), h.Sum(nil))
	}
}
