package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"hromada/localpg"
	"hromada/modules/access"
	"hromada/modules/catalog"
	"hromada/tenant"
	"hromada/web"
)

// runSearch measures catalog search through the real handler (tenant
// middleware, tenant.Tx under RLS, the search, JSON) against a bare chi+pgx
// handler running the same full-text query for the same tenant by a role
// that bypasses RLS, with no transaction: what the mechanism costs over the
// query itself.
func runSearch() error {
	tenants := flag.Int("tenants", 100, "tenants")
	big := flag.Int("services", 10000, "services of the measured tenant")
	small := flag.Int("others", 100, "services of every other tenant")
	requests := flag.Int("requests", 2000, "requests per variant per round")
	rounds := flag.Int("rounds", 5, "alternating rounds")
	clients := flag.Int("clients", 4, "concurrent clients")
	useCache := flag.Bool("cache", true, "the real handler with the public pages' cache (catalog.Cache), as the server")
	flag.Parse()
	ctx := context.Background()

	c, stop, err := startCluster(ctx)
	if err != nil {
		return err
	}
	defer stop()
	owner, err := pgxpool.New(ctx, c.DSN(localpg.Owner, "bench"))
	if err != nil {
		return err
	}
	appPool, err := pgxpool.New(ctx, c.DSN(localpg.App, "bench")+fmt.Sprintf("&pool_max_conns=%d", *clients))
	if err != nil {
		return err
	}
	db := tenant.NewDB(appPool)

	fmt.Printf("loading %d tenants: one with %d services, the others with %d each…\n", *tenants, *big, *small)
	start := time.Now()
	var measured *tenant.Tenant
	for i := range *tenants {
		var t *tenant.Tenant
		err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
			var err error
			t, err = tenant.Create(ctx, tx, tenant.CreateParams{Slug: fmt.Sprintf("city%03d", i), Name: fmt.Sprintf("Громада %d", i)})
			return err
		})
		if err != nil {
			return err
		}
		n := *small
		if i == 0 {
			n, measured = *big, t
		}
		if err := db.Tx(tenant.With(ctx, t), func(ctx context.Context, tx pgx.Tx) error {
			return catalog.LoadRegister(ctx, tx, syntheticRegister(n))
		}); err != nil {
			return err
		}
	}
	if _, err := owner.Exec(ctx, `ANALYZE`); err != nil {
		return err
	}
	fmt.Printf("loaded in %s\n", time.Since(start).Round(time.Second))
	super, err := pgx.Connect(ctx, c.DSN(localpg.Superuser, "bench"))
	if err != nil {
		return err
	}
	for _, sql := range []string{`CREATE ROLE bench_bypass LOGIN BYPASSRLS`, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO bench_bypass`} {
		if _, err := super.Exec(ctx, sql); err != nil {
			return err
		}
	}
	super.Close(ctx)
	bypass, err := pgxpool.New(ctx, c.DSN("bench_bypass", "bench")+fmt.Sprintf("&pool_max_conns=%d", *clients))
	if err != nil {
		return err
	}
	// Load the dictionary into every connection first, as the server does.
	for _, p := range []*pgxpool.Pool{appPool, bypass} {
		var conns []*pgxpool.Conn
		for range *clients {
			cn, err := p.Acquire(ctx)
			if err != nil {
				return err
			}
			if _, err := cn.Exec(ctx, `SELECT ts_lexize('uk_hunspell', 'довідка')`); err != nil {
				return err
			}
			conns = append(conns, cn)
		}
		for _, cn := range conns {
			cn.Release()
		}
	}

	// The real handler: the portal's tenant middleware and the catalog's
	// JSON search.
	rd, err := web.New(web.Options{})
	if err != nil {
		return err
	}
	dir := tenant.NewDirectory(appPool, "bench.test", nil)
	real := chi.NewRouter()
	real.Use(tenant.Middleware(dir, rd.UnknownHost(), rd.Suspended(), rd.Error))
	// The editor's routes come with the public ones, behind a guard that
	// knows no one; the bench asks for the public search only.
	guard := &access.Guard{Access: access.New(db, nil),
		Subject:         func(*http.Request) (access.Subject, bool) { return access.Subject{}, false },
		Unauthenticated: http.NotFoundHandler(), Denied: http.NotFoundHandler()}
	var cache *catalog.Cache
	if *useCache {
		cache = catalog.NewCache(catalog.CacheOptions{})
		lctx, stopListening := context.WithCancel(ctx)
		defer stopListening()
		go cache.Listen(lctx, appPool, slog.New(slog.DiscardHandler))
	}
	catalog.NewSite(catalog.New(db, &catalog.Options{Cache: cache}), rd).Routes(real, guard)
	// The bare handler: chi and pgx, the same full-text condition and
	// ranking, the tenant named in the query.
	bare := chi.NewRouter()
	bare.Get("/api/v1/search", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		rows, err := bypass.Query(r.Context(), `
			SELECT code, content->'name', ts_rank_cd(search, websearch_to_tsquery('ukrainian', $2)) AS rank
			FROM services WHERE tenant_id = $1 AND search @@ websearch_to_tsquery('ukrainian', $2)
			ORDER BY rank DESC, code LIMIT 20`, measured.ID, q)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		type item struct {
			Code string          `json:"code"`
			Name json.RawMessage `json:"name"`
			Rank float64         `json:"rank"`
		}
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
			var it item
			return it, r.Scan(&it.Code, &it.Name, &it.Rank)
		})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items})
	})
	// The home page's and a card's rows, as bare: the first services by
	// code and one service's content, JSON from the table.
	bareRows := func(w http.ResponseWriter, r *http.Request, sql string, args ...any) {
		rows, err := bypass.Query(r.Context(), sql, args...)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		items, err := pgx.CollectRows(rows, pgx.RowTo[json.RawMessage])
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items})
	}
	bare.Get("/", func(w http.ResponseWriter, r *http.Request) {
		bareRows(w, r, `SELECT content FROM services WHERE tenant_id = $1 ORDER BY code LIMIT 8`, measured.ID)
	})
	bare.Get("/services/{code}", func(w http.ResponseWriter, r *http.Request) {
		bareRows(w, r, `SELECT content FROM services WHERE tenant_id = $1 AND code = $2`, measured.ID, chi.URLParam(r, "code"))
	})
	realSrv, bareSrv := httptest.NewServer(real), httptest.NewServer(bare)
	defer realSrv.Close()
	defer bareSrv.Close()
	_ = slog.Default

	queries := []string{"довідку", "реєстрація місця проживання", "субсидію", "дозвіл на рекламу", "паркування", "вирубка дерев",
		"склад сім'ї", "архівна довідка", "прописк", "компенсація", "ордер", "витяг з реєстру", "погодження", "субсидия", "реестрація"}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients * 2}}
	// Each workload: the path of request i, and the targets (24).
	workloads := []struct {
		name    string
		path    func(i int) string
		minRPS  float64
		maxP99  time.Duration
		compare string
	}{
		{"home page (HTML)", func(int) string { return "/" }, 5000, 20 * time.Millisecond, "bare: the first 8 services' rows as JSON"},
		{"service card (HTML)", func(i int) string { return fmt.Sprintf("/services/S-%05d", (i*37)%200) }, 5000, 20 * time.Millisecond,
			"bare: the service's row as JSON"},
		{"search (JSON)", func(i int) string { return "/api/v1/search?q=" + url.QueryEscape(queries[i%len(queries)]) }, 1000, 20 * time.Millisecond,
			"bare: the same full-text query"},
	}
	run := func(base string, path func(int) string) ([]time.Duration, error) {
		lat := make([]time.Duration, *requests)
		var wg sync.WaitGroup
		errs := make(chan error, *clients)
		per := *requests / *clients
		for cl := range *clients {
			wg.Go(func() {
				for i := range per {
					p := path(cl*per + i)
					req, _ := http.NewRequest(http.MethodGet, base+p, nil)
					req.Host = "city000.bench.test"
					t0 := time.Now()
					res, err := client.Do(req)
					if err != nil {
						errs <- err
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						errs <- fmt.Errorf("status %d for %q", res.StatusCode, p)
						return
					}
					lat[cl*per+i] = time.Since(t0)
				}
			})
		}
		wg.Wait()
		close(errs)
		return lat[:per**clients], <-errs
	}
	pct := func(l []time.Duration, p float64) time.Duration {
		s := slices.Clone(l)
		slices.Sort(s)
		return s[int(float64(len(s)-1)*p)]
	}
	fmt.Printf("\ncommand: go run ./cmd/hromada-bench search -requests %d -rounds %d -clients %d -cache=%t\n", *requests, *rounds, *clients, *useCache)
	fmt.Printf("1 tenant of %d with %d services; %d clients; %d alternating rounds × %d requests per side\n", *tenants, *big, *clients, *rounds, *requests)
	for _, wl := range workloads {
		if _, err := run(realSrv.URL, wl.path); err != nil { // warm up
			return fmt.Errorf("%s: %w", wl.name, err)
		}
		if _, err := run(bareSrv.URL, wl.path); err != nil {
			return fmt.Errorf("%s (bare): %w", wl.name, err)
		}
		var realLat, bareLat []time.Duration
		var realWall, bareWall time.Duration
		var ratios []float64
		for round := range *rounds {
			order := []bool{true, false}
			if round%2 == 1 {
				order = []bool{false, true}
			}
			var rr, br float64
			for _, isReal := range order {
				t0 := time.Now()
				base := bareSrv.URL
				if isReal {
					base = realSrv.URL
				}
				l, err := run(base, wl.path)
				if err != nil {
					return fmt.Errorf("%s: %w", wl.name, err)
				}
				wall := time.Since(t0)
				if isReal {
					realLat, realWall, rr = append(realLat, l...), realWall+wall, float64(len(l))/wall.Seconds()
				} else {
					bareLat, bareWall, br = append(bareLat, l...), bareWall+wall, float64(len(l))/wall.Seconds()
				}
			}
			ratios = append(ratios, rr/br)
		}
		realRPS := float64(len(realLat)) / realWall.Seconds()
		bareRPS := float64(len(bareLat)) / bareWall.Seconds()
		p99 := pct(realLat, 0.99)
		met := map[bool]string{true: "met", false: "NOT met"}
		fmt.Printf("\n%s:\n", wl.name)
		fmt.Printf("  real handler (tenant middleware, tenant.Tx, RLS, template)  p50 %6.2f ms  p99 %6.2f ms  %7.0f req/s\n",
			ms(pct(realLat, 0.5)), ms(p99), realRPS)
		fmt.Printf("  %-58s  p50 %6.2f ms  p99 %6.2f ms  %7.0f req/s\n", wl.compare, ms(pct(bareLat, 0.5)), ms(pct(bareLat, 0.99)), bareRPS)
		fmt.Printf("  ratio real/bare %.2f (median of the rounds' %.2f–%.2f); target ≥ %.0f req/s at %d clients: %s; p99 ≤ %s: %s\n",
			median(ratios), slices.Min(ratios), slices.Max(ratios), wl.minRPS, *clients, met[realRPS >= wl.minRPS], wl.maxP99, met[p99 <= wl.maxP99])
	}
	if cache != nil {
		hits, misses := cache.Stats()
		fmt.Printf("\ncache: %d hits, %d misses, %d entries\n", hits, misses, cache.Len())
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// syntheticRegister makes n services with realistic words, for the bench.
func syntheticRegister(n int) catalog.Register {
	kinds := []string{"Довідка", "Дозвіл", "Реєстрація", "Субсидія", "Витяг", "Погодження", "Компенсація", "Ордер", "Видача", "Продовження"}
	objects := []string{"про склад сім’ї", "на розміщення зовнішньої реклами", "місця проживання", "на видалення зелених насаджень",
		"з реєстру територіальної громади", "режиму роботи закладу", "за проїзд пільговиків", "на порушення благоустрою",
		"архівної довідки про стаж", "паркувального абонемента", "на розміщення тимчасової споруди", "житлової субсидії"}
	tags := [][]string{{"прописка", "реєстрація"}, {"реклама"}, {"вирубка дерев", "порубковий"}, {"паркування", "авто"}, {"МАФ"}, {"субсидія", "пільги"}}
	reg := catalog.Register{Providers: []catalog.Provider{{Code: "dcnap", Name: catalog.Text{UK: "ЦНАП"}}}}
	for i := range n {
		k, o := kinds[i%len(kinds)], objects[(i/len(kinds))%len(objects)]
		reg.Services = append(reg.Services, catalog.RegisteredService{Provider: "dcnap", Content: catalog.Content{
			Code:    fmt.Sprintf("S-%05d", i),
			Name:    catalog.Text{UK: fmt.Sprintf("%s %s (%d)", k, o, i)},
			Summary: catalog.Text{UK: "Адміністративна послуга: " + strings.ToLower(k) + " " + o},
			Tags:    tags[i%len(tags)], Term: catalog.Term{Days: 1 + i%30}, Fee: catalog.Fee{Free: true},
			Documents: []catalog.Document{catalog.Doc("Паспорт громадянина України"), catalog.Doc("Заява")},
		}})
	}
	return reg
}
