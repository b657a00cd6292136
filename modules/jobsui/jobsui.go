// Package jobsui shows the platform's operators the background jobs through
// River's own UI (riverqueue.com/riverui): the queues, the jobs by state,
// a failed job's errors and attempts, and retrying, cancelling or deleting
// jobs. The operator console mounts it behind its own sign-in
// (modules/operator, Console.WithJobs), so only a signed-in operator
// reaches it; the server's cross-origin protection refuses its POST, PUT
// and PATCH from another site like any other.
//
// River's tables are platform tables, read here through River's client on
// the application's pool. A tenant job's args may carry a city's data (the
// first administrator's РНОКПП while the appointment waits, a notice's
// addressee), which the operator, who has no privilege on any tenant table,
// must not read: every answer of the UI's API has each job's args cut down
// to the tenant it works for (the envelope's tenant_id).
package jobsui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
)

// Prefix is where the console mounts the UI.
const Prefix = "/jobs"

// New returns the UI of client's jobs, serving under Prefix.
func New(client *river.Client[pgx.Tx], log *slog.Logger) (http.Handler, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    log,
		Prefix:    Prefix,
		// The list opens without args; they are cut down anyway.
		JobListHideArgsByDefault: true,
	})
	if err != nil {
		return nil, fmt.Errorf("jobsui: %w", err)
	}
	return redactArgs(h, log), nil
}

// redactArgs passes the UI's pages and files as they are, and rewrites the
// JSON its API answers so that no job's args leave but their tenant_id.
func redactArgs(next http.Handler, log *slog.Logger) http.Handler {
	api := Prefix + "/api/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, api) {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		if strings.HasPrefix(rec.header.Get("Content-Type"), "application/json") && len(body) > 0 {
			var doc any
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil {
				// Never pass on what could not be checked.
				log.Error("jobsui: the UI's answer is not JSON", "path", r.URL.Path, "error", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			redact(doc)
			out, err := json.Marshal(doc)
			if err != nil {
				log.Error("jobsui: re-encoding the answer", "error", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			body = out
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	})
}

// redact replaces, in every object that is a job (it has "kind" and
// "args"), the args with the envelope's tenant_id alone.
func redact(v any) {
	switch v := v.(type) {
	case map[string]any:
		if _, isJob := v["kind"]; isJob {
			if args, ok := v["args"]; ok {
				v["args"] = tenantOnly(args)
			}
		}
		for _, child := range v {
			redact(child)
		}
	case []any:
		for _, child := range v {
			redact(child)
		}
	}
}

// tenantOnly returns args (River's encoded args, a JSON string, or an
// object) with only the tenant_id kept, in the same form.
func tenantOnly(args any) any {
	var obj map[string]any
	encoded, isString := args.(string)
	if isString {
		_ = json.Unmarshal([]byte(encoded), &obj)
	} else if m, ok := args.(map[string]any); ok {
		obj = m
	}
	kept := map[string]any{}
	if id, ok := obj["tenant_id"]; ok {
		kept["tenant_id"] = id
	}
	if !isString {
		return kept
	}
	b, _ := json.Marshal(kept)
	return string(b)
}

// recorder holds the UI's answer until it is checked.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }
