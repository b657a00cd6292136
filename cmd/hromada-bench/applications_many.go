package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// W4 (issue 24): one city among many. The measured city's signed
// submissions and its resident's application page are run alone first,
// then again after the crowd is loaded — -many more cities with
// -many-apps applications between them — in the same cluster and
// process. With indexes that lead with tenant_id and no request that scans
// a table, the crowd changes nothing for one city: the target is a p99 at
// most 1.2 times the lone city's.
//
// The crowd is generated in SQL (generate_series) as the superuser, fast:
// each crowd city gets a copy of the measured city's provider, service,
// form and one resident account (the rows copied whole, tenant_id
// replaced), and its applications are received ones with history rows,
// of the measured drafts' size. Foreign keys are checked as usual.

// manyPhase is one phase's results at one client count.
type manyPhase struct {
	submit, page []time.Duration
	subRate      []float64
	pageRate     []float64
	subCPU       []float64 // CPU µs per request, PostgreSQL's and the Go process's: unlike latency, not raised by other processes' load
	pageCPU      []float64
}

// cpuPer is a run's CPU per request in µs (PostgreSQL + the Go process).
func cpuPer(r *sideResult) float64 {
	return float64((r.serverCPU + r.clientCPU).Microseconds()) / float64(max(r.n, 1))
}

func (b *appsBench) runMany(ctx context.Context) error {
	if len(b.cities) != 1 {
		return errors.New("-many measures one city: run it with -tenants 1")
	}
	phases := map[string]map[int]*manyPhase{"lone": {}, "crowd": {}}
	measure := func(name string) error {
		for _, cl := range b.clients {
			ph := &manyPhase{}
			phases[name][cl] = ph
			for round := range b.rounds {
				// Alternate which goes first; both are the city's requests.
				order := []string{"submit", "page"}
				if round%2 == 1 {
					order = []string{"page", "submit"}
				}
				var line []string
				for _, what := range order {
					var (
						res *sideResult
						err error
					)
					if what == "submit" {
						res, err = b.measure(ctx, "hromada", cl)
						if err == nil {
							ph.submit, ph.subRate, ph.subCPU = append(ph.submit, res.lat...), append(ph.subRate, res.rate()), append(ph.subCPU, cpuPer(res))
						}
					} else {
						res, err = b.runPages(ctx, cl, time.Duration(b.seconds)*time.Second)
						if err == nil {
							ph.page, ph.pageRate, ph.pageCPU = append(ph.page, res.lat...), append(ph.pageRate, res.rate()), append(ph.pageCPU, cpuPer(res))
						}
					}
					if err != nil {
						return fmt.Errorf("%s, %s, %d clients, round %d: %w", name, what, cl, round+1, err)
					}
					line = append(line, fmt.Sprintf("%s %4.0f/s p50 %5.1f ms p99 %5.1f ms CPU %4.0f µs (others %2.0f%%)", what, res.rate(), ms(res.pct(0.5)), ms(res.pct(0.99)), cpuPer(res), 100*res.others))
				}
				fmt.Printf("%s, clients %d round %d/%d: %s\n", name, cl, round+1, b.rounds, strings.Join(line, " | "))
			}
		}
		return nil
	}
	if err := measure("lone"); err != nil {
		return err
	}
	t0 := time.Now()
	if err := b.loadCrowd(ctx); err != nil {
		return fmt.Errorf("the crowd: %w", err)
	}
	fmt.Printf("crowd loaded: %d more cities, %d applications, in %s\n", b.many, b.manyApps, time.Since(t0).Round(time.Second))
	if err := measure("crowd"); err != nil {
		return err
	}
	if err := b.checkEffects(ctx); err != nil {
		return err
	}
	fmt.Printf("\nW4: one city alone, then among %d cities with %d applications (same cluster, same process; %d rounds × %d s per phase and client count; p99 over the phase's rounds):\n\n",
		b.many+1, b.manyApps, b.rounds, b.seconds)
	fmt.Println("| clients | submission p99 alone | among many | **ratio** | page p99 alone | among many | **ratio** | target ≤ 1.2 | CPU µs per submission alone / among many | per page |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	met := map[bool]string{true: "met", false: "not met"}
	for _, cl := range b.clients {
		lo, cr := phases["lone"][cl], phases["crowd"][cl]
		sr := ms(pctOf(cr.submit, 0.99)) / ms(pctOf(lo.submit, 0.99))
		pr := ms(pctOf(cr.page, 0.99)) / ms(pctOf(lo.page, 0.99))
		fmt.Printf("| %d | %.1f ms (%.0f/s) | %.1f ms (%.0f/s) | **%.2f** | %.1f ms (%.0f/s) | %.1f ms (%.0f/s) | **%.2f** | submission %s, page %s | %.0f / %.0f | %.0f / %.0f |\n",
			cl, ms(pctOf(lo.submit, 0.99)), median(lo.subRate), ms(pctOf(cr.submit, 0.99)), median(cr.subRate), sr,
			ms(pctOf(lo.page, 0.99)), median(lo.pageRate), ms(pctOf(cr.page, 0.99)), median(cr.pageRate), pr, met[sr <= 1.2], met[pr <= 1.2],
			median(lo.subCPU), median(cr.subCPU), median(lo.pageCPU), median(cr.pageCPU))
	}
	return nil
}

// loadCrowd adds b.many cities and b.manyApps received applications
// spread evenly over them, then VACUUM ANALYZE and a CHECKPOINT.
func (b *appsBench) loadCrowd(ctx context.Context) error {
	c := b.cities[0]
	per := b.manyApps / b.many
	r := c.residents[0]
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"cities", `INSERT INTO tenants (id, slug, name) SELECT gen_random_uuid(), 'crowd' || g, 'Громада ' || g FROM generate_series(1, $1) g`, []any{b.many}},
		// A generic copy: the row as jsonb with tenant_id replaced.
		{"providers", `INSERT INTO providers SELECT (jsonb_populate_record(NULL::providers, to_jsonb(p) || jsonb_build_object('tenant_id', t.id))).*
			FROM providers p, tenants t WHERE p.tenant_id = $1 AND p.id = $2 AND t.slug LIKE 'crowd%'`, []any{c.t.ID, c.provider}},
		{"services", `INSERT INTO services SELECT (jsonb_populate_record(NULL::services, to_jsonb(s) || jsonb_build_object('tenant_id', t.id))).*
			FROM services s, tenants t WHERE s.tenant_id = $1 AND s.id = $2 AND t.slug LIKE 'crowd%'`, []any{c.t.ID, c.service}},
		{"forms", `INSERT INTO service_forms SELECT (jsonb_populate_record(NULL::service_forms, to_jsonb(f) || jsonb_build_object('tenant_id', t.id))).*
			FROM service_forms f, tenants t WHERE f.tenant_id = $1 AND f.id = $2 AND t.slug LIKE 'crowd%'`, []any{c.t.ID, c.form}},
		{"accounts", `INSERT INTO accounts SELECT (jsonb_populate_record(NULL::accounts, to_jsonb(a) || jsonb_build_object('tenant_id', t.id))).*
			FROM accounts a, tenants t WHERE a.tenant_id = $1 AND a.id = $2 AND t.slug LIKE 'crowd%'`, []any{c.t.ID, r.account}},
		{"applications", `INSERT INTO applications (tenant_id, id, service_id, provider_id, form_id, applicant_id, status, step, data, canonical, signature,
				signer_rnokpp, signer_name, signed_at, sent_at, received_at, due_on, number, created_at, updated_at)
			SELECT t.id, gen_random_uuid(), $2, $3, $4, $5, 'received', 3, $6::jsonb, $7, $8, $9, $10, at, at, at, (at + interval '10 days')::date,
				'2026-' || lpad(g::text, 6, '0'), at, at
			FROM tenants t, generate_series(1, $1) g, LATERAL (SELECT now() - (g || ' minutes')::interval AS at) x
			WHERE t.slug LIKE 'crowd%'`, []any{per, c.service, c.provider, c.form, r.account, r.data, r.canonical, r.signature, r.rnokpp, r.name}},
		{"history", `INSERT INTO application_events (tenant_id, id, application_id, from_status, to_status, at)
			SELECT a.tenant_id, gen_random_uuid(), a.id, 'signed', 'received', a.received_at FROM applications a JOIN tenants t ON t.id = a.tenant_id
			WHERE t.slug LIKE 'crowd%'`, nil},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := b.crowdStep(ctx, s.sql, s.args); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		fmt.Printf("  crowd: %s in %s\n", s.what, time.Since(t0).Round(time.Millisecond))
	}
	if _, err := b.super.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return err
	}
	_, err := b.super.Exec(ctx, `CHECKPOINT`)
	return err
}

// crowdStep runs one statement of the load with the provider, service and
// account copied under the same ids as the measured city's: the ids are
// unique per tenant, as every key leads with tenant_id.
func (b *appsBench) crowdStep(ctx context.Context, sql string, args []any) error {
	_, err := b.super.Exec(ctx, sql, args...)
	return err
}

// runPages has cl clients GET the page of an application the bench has
// submitted (the resident's own view: the application, its history and
// files), each client a different one in turn, for d.
func (b *appsBench) runPages(ctx context.Context, cl int, d time.Duration) (*sideResult, error) {
	done := int(b.next.Load())
	if done == 0 {
		return nil, errors.New("no submitted application to show")
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		lat  []time.Duration
		errs = make(chan error, cl)
		k    atomic.Int64
	)
	cpu0, ru0, m0 := b.clusterCPU(), selfCPU(), machineCPU()
	start := time.Now()
	deadline := start.Add(d)
	for range cl {
		wg.Go(func() {
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for time.Now().Before(deadline) {
				dr := b.drafts[int(k.Add(1)-1)%done]
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.srv.URL+strings.TrimSuffix(dr.path, "/sign"), nil)
				if err != nil {
					errs <- err
					return
				}
				req.Host = dr.host
				req.Header.Set(subjectHeader, dr.account)
				req.Header.Set(rnokppHeader, dr.rnokpp)
				req.Header.Set(nameHeader, url.QueryEscape(dr.name))
				t0 := time.Now()
				res, err := b.client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("GET %s: %d: %s", req.URL.Path, res.StatusCode, firstLine(body))
					return
				}
				mine = append(mine, time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	res := &sideResult{n: len(lat), elapsed: elapsed, lat: lat, serverCPU: b.clusterCPU() - cpu0, clientCPU: selfCPU() - ru0}
	res.others = othersShare(machineCPU()-m0, res.serverCPU+res.clientCPU, elapsed)
	return res, nil
}
