package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"hromada/localpg"
	"hromada/tenant"
)

// sqlTracer records the statements a connection sends, one entry per round
// trip (a batch is one entry).
type sqlTracer struct {
	mu    sync.Mutex
	on    bool
	stmts []string
}

func (t *sqlTracer) add(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.on {
		t.stmts = append(t.stmts, strings.Join(strings.Fields(s), " "))
	}
}

func (t *sqlTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s := d.SQL
	if len(d.Args) > 0 {
		var as []string
		for _, a := range d.Args {
			v := fmt.Sprintf("%v", a)
			if b, ok := a.([]byte); ok && len(b) > 40 {
				v = fmt.Sprintf("<%d bytes>", len(b))
			}
			if len(v) > 100 {
				v = v[:100] + "…"
			}
			as = append(as, v)
		}
		s += " -- args: " + strings.Join(as, " | ")
	}
	t.add(s)
	return ctx
}

func (t *sqlTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (t *sqlTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	var qs []string
	for _, q := range d.Batch.QueuedQueries {
		qs = append(qs, q.SQL)
	}
	t.add("[batch] " + strings.Join(qs, " ⟫ "))
	return ctx
}

func (t *sqlTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (t *sqlTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// traceOne submits drafts through the handler on a pool of traced
// connections until every city has had one, and returns the statements of
// one more (the first fill the caches, as a running server's are).
func (b *appsBench) traceOne(ctx context.Context) ([]string, error) {
	cfg, err := pgxpool.ParseConfig(b.cluster.DSN(localpg.App, "bench") + "&pool_max_conns=2")
	if err != nil {
		return nil, err
	}
	tr := &sqlTracer{}
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	h, _, err := b.stack(pool)
	if err != nil {
		return nil, err
	}
	// Every city once first (its access policy and host are cached then),
	// then the traced one.
	seen := map[string]bool{}
	for traced := false; !traced; {
		if int(b.next.Load()) >= len(b.drafts) {
			return nil, errors.New("trace: too few drafts")
		}
		d := b.drafts[b.next.Add(1)-1]
		traced = len(seen) == len(b.cities)
		seen[d.host] = true
		tr.mu.Lock()
		tr.on, tr.stmts = traced, nil
		tr.mu.Unlock()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "http://"+d.host+d.path, bytes.NewReader(d.body))
		req.Header.Set("Content-Type", d.contentType)
		req.Header.Set(subjectHeader, d.account)
		req.Header.Set(rnokppHeader, d.rnokpp)
		req.Header.Set(nameHeader, url.QueryEscape(d.name))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			_ = os.WriteFile("/tmp/ps/body.html", rec.Body.Bytes(), 0o644)
			return nil, fmt.Errorf("traced submission: %d %s", rec.Code, firstLine(rec.Body.Bytes()))
		}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.stmts, nil
}

// summarize counts a traced submission's transactions and round trips.
func summarize(stmts []string) string {
	txs, inSubmit, submit := 0, false, 0
	for _, s := range stmts {
		// A transaction opened in a pipeline (tenant.DB.ReadBatch,
		// TxBatch) is traced as a batch that begins with BEGIN.
		s = strings.TrimPrefix(s, "[batch] ")
		if strings.HasPrefix(s, "BEGIN") {
			txs++
			inSubmit = !strings.HasPrefix(s, "BEGIN READ ONLY")
		}
		if inSubmit {
			submit++
		}
	}
	return fmt.Sprintf("%d round trips to PostgreSQL in %d transactions; the submission's own transaction is %d of them (BEGIN … COMMIT), the rest are the guard's and Who's reads",
		len(stmts), txs, submit)
}

// selectApplication is applications' query of an application with what
// its pages show (modules/applications/store.go), for the pgbench script.
const selectApplication = `SELECT a.id, coalesce(a.number, ''), a.service_id, s.code, s.content->'name', a.provider_id, p.name,
	a.form_id, f.version, a.applicant_id, ac.full_name, ac.rnokpp, a.edrpou, a.org_name, a.status, a.step, a.data,
	a.canonical, a.signature, coalesce(a.signer_rnokpp, ''), coalesce(a.signer_name, ''), a.signed_at, a.sent_at, a.received_at,
	a.due_on, a.assignee_id, coalesce(a.decision, ''), a.grounds, a.decided_by, a.decided_position, a.decided_name, a.decided_at,
	a.created_at, a.updated_at, coalesce((s.content->>'automatic')::boolean, false)
	FROM applications a
	JOIN services s ON s.tenant_id = a.tenant_id AND s.id = a.service_id
	JOIN providers p ON p.tenant_id = a.tenant_id AND p.id = a.provider_id
	JOIN service_forms f ON f.tenant_id = a.tenant_id AND f.id = a.form_id
	JOIN accounts ac ON ac.tenant_id = a.tenant_id AND ac.id = a.applicant_id `

// pgbenchScript is the transaction Service.Submit executes (see -sql),
// statement for statement, with the values the Go code computes (the
// number's format, the deadline, the hashes) given as variables or computed
// in SQL. Each transaction first reads the next prepared draft (a point read
// with nextval, before BEGIN: the handler's client knows its draft). Under
// -M prepared pgbench cannot send two statements in one message as
// tenant.Tx sends BEGIN and set_config, and refuses \gset in a pipeline, so
// BEGIN and set_config are pipelined with the first SELECT instead: 14
// round trips per submission, as the handler's transaction (the audit
// record's two statements are a pipeline, as pgx sends the batch).
func (b *appsBench) pgbenchScript() (string, []string) {
	one := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	lines := []string{
		`SELECT n, tenant_id AS tid, id AS app, applicant_id AS acc, rnokpp AS rn, full_name AS who, service_id AS svc, form_id AS form
			FROM bench_pg_drafts WHERE n = (SELECT nextval('bench_pg_seq')) \gset`,
		`\startpipeline`,
		`BEGIN`,
		`SELECT set_config('app.tenant_id', :tid, true)`,
		selectApplication + `WHERE a.id = :app AND a.applicant_id = :acc AND a.edrpou = '' FOR UPDATE OF a`,
		`\endpipeline`,
		`SELECT id, kind, name, content_type, size, sha256, object_key, added_at FROM application_files WHERE application_id = :app AND kind = ANY(:kinds) ORDER BY added_at, id`,
		`INSERT INTO application_counters (tenant_id, year, last) VALUES (app_tenant_id(), :year, 1)
			ON CONFLICT (tenant_id, year) DO UPDATE SET last = application_counters.last + 1 RETURNING last \gset`,
		`SELECT day, name FROM public_holidays ORDER BY day`,
		`SELECT coalesce(content->'term', '{}') FROM services WHERE id = :svc`,
		`UPDATE applications SET status = 'received', number = :year::text || '-' || lpad(:last::text, 6, '0'), canonical = :can, signature = :sig,
			signer_rnokpp = :rn, signer_name = :who, signed_at = now(), sent_at = now(), received_at = clock_timestamp(), due_on = :due,
			idempotency_key = 'pgbench-' || :n::text WHERE id = :app`,
		`INSERT INTO application_events (tenant_id, id, application_id, from_status, to_status, actor_id, actor_kind, actor_name, comment)
			VALUES (app_tenant_id(), bench_uuid7(), :app, 'draft', 'signed', :acc, 'applicant', :who, '')`,
		`INSERT INTO application_events (tenant_id, id, application_id, from_status, to_status, actor_id, actor_kind, actor_name, comment)
			VALUES (app_tenant_id(), bench_uuid7(), :app, 'signed', 'received', NULL, 'system', '', '')`,
		`INSERT INTO notifications (tenant_id, id, account_id, application_id, key, args) VALUES (app_tenant_id(), bench_uuid7(), :acc, :app,
			'notify.received', jsonb_build_object('Number', :year::text || '-' || lpad(:last::text, 6, '0'), 'Service', :sname::text))`,
	}
	if b.automatic {
		lines = append(lines, riverInsert)
	} else {
		lines = append(lines, `INSERT INTO outbox (tenant_id, id, created_at, topic, recipient_role, payload)
			VALUES (:tid, bench_uuid7(), now(), 'applications.new', 'official', jsonb_build_object('provider_id', :prov::text,
			'application_id', :app::text, 'number', :year::text || '-' || lpad(:last::text, 6, '0'), 'service', 'KY-0001'))`)
	}
	if b.audit {
		lines = append(lines,
			`SELECT seq, hash AS prev, :details::jsonb::text AS det FROM audit_heads WHERE tenant_id = :tid AND chain = 'audit' FOR UPDATE \gset`,
			`\startpipeline`,
			`INSERT INTO audit_events (tenant_id, seq, id, at, actor_id, actor_name, actor_role, action, object_type, object_id, result, ip, user_agent,
				request_id, details, prev_hash, hash) VALUES (:tid, :seq::bigint + 1, bench_uuid7(), now(), :acc::text, '', '', 'application.submit',
				'application', :app::text, 'ok', '127.0.0.1', 'Go-http-client/1.1', :rid, :det::jsonb, :prev, :hash)`,
			`UPDATE audit_heads SET seq = :seq::bigint + 1, hash = :hash WHERE tenant_id = :tid AND chain = 'audit'`,
			`\endpipeline`)
	}
	lines = append(lines, `COMMIT`)
	var sb strings.Builder
	for _, l := range lines {
		sb.WriteString(one(l))
		if !strings.HasPrefix(l, `\`) && !strings.HasSuffix(l, `\gset`) {
			sb.WriteByte(';')
		}
		sb.WriteByte('\n')
	}
	// A resident's pair of the sizes the handler's drafts have.
	r := b.cities[0].residents[0]
	for _, c := range b.cities {
		for _, x := range c.residents {
			if x.canonical != nil {
				r = x
			}
		}
	}
	now := time.Now().In(tenant.Zone)
	sum := make([]byte, 32)
	vars := []string{
		"can=\\x" + hex.EncodeToString(r.canonical),
		"sig=\\x" + hex.EncodeToString(r.signature),
		"kinds={attachment}",
		fmt.Sprintf("year=%d", now.Year()),
		"due=" + now.AddDate(0, 0, 1).Format("2006-01-02"),
		"sname=Реєстрація місця проживання особи",
		fmt.Sprintf("prov=%s", b.cities[0].provider),
		`details={"number": "2026-000001", "service": "KY-0001", "status": "received"}`,
		"hash=\\x" + hex.EncodeToString(sum),
		"rid=bench/pgbench-000001",
	}
	return sb.String(), vars
}

// riverInsert is the statement River's client sends for InsertTx
// (riverpgxv5's JobInsertFastMany, v0.51), with the one job's values in
// arrays of one: AutomaticArgs' InsertOpts (queue automatic, 5 attempts,
// unique by args: a SHA-256 key and River's default unique states).
const riverInsert = `WITH raw_job_data AS (
    SELECT
        unnest(ARRAY[0]::bigint[]) AS id,
        unnest(ARRAY[jsonb_build_object('tenant_id', :tid::text, 'application_id', :app::text)]) AS args,
        unnest(ARRAY[now()]::timestamptz[]) AS created_at,
        unnest(ARRAY['applications.automatic']::text[]) AS kind,
        unnest(ARRAY[5]::smallint[]) AS max_attempts,
        unnest(ARRAY['{}']::jsonb[]) AS metadata,
        unnest(ARRAY[1]::smallint[]) AS priority,
        unnest(ARRAY['automatic']::text[]) AS queue,
        unnest(ARRAY[now()]::timestamptz[]) AS scheduled_at,
        unnest(ARRAY['available']::text[]) AS state,
        unnest(ARRAY['']::text[]) AS tags,
        unnest(ARRAY[sha256(convert_to('kind=applications.automatic&args=' || :tid::text || :app::text, 'UTF8'))]) AS unique_key,
        unnest(ARRAY[245]::integer[]) AS unique_states
)
INSERT INTO river_job(id, args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags, unique_key, unique_states)
SELECT
    coalesce(nullif(id, 0), nextval('river_job_id_seq'::regclass)),
    args,
    coalesce(nullif(created_at, '0001-01-01 00:00:00 +0000'), now()) AS created_at,
    kind,
    max_attempts,
    coalesce(metadata, '{}'::jsonb) AS metadata,
    priority,
    queue,
    coalesce(nullif(scheduled_at, '0001-01-01 00:00:00 +0000'), now()) AS scheduled_at,
    state::river_job_state,
    string_to_array(tags, ',')::varchar(255)[],
    nullif(unique_key, '')::bytea,
    nullif(unique_states::integer, 0)::bit(8)
FROM raw_job_data
ON CONFLICT (unique_key)
    WHERE unique_key IS NOT NULL
        AND unique_states IS NOT NULL
        AND river_job_state_in_bitmask(unique_states, state)
    DO UPDATE SET kind = river_job.kind
RETURNING
    river_job.id, river_job.args, river_job.attempt, river_job.attempted_at, river_job.attempted_by, river_job.created_at, river_job.errors,
    river_job.finalized_at, river_job.kind, river_job.max_attempts, river_job.metadata, river_job.priority, river_job.queue, river_job.state,
    river_job.scheduled_at, river_job.tags, river_job.unique_key, river_job.unique_states,
    (xmax != 0) AS unique_skipped_as_duplicate`
