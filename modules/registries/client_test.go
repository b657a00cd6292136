package registries_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/require"

	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
)

// captured is one request as a capturing handler saw it.
type captured struct {
	method, path string
	header       http.Header
	body         map[string]any
}

// capture starts a plain HTTP server that records every request and
// answers with answer (200 {} when nil).
func capture(t *testing.T, answer http.HandlerFunc) (*httptest.Server, func() []captured) {
	t.Helper()
	var mu sync.Mutex
	var seen []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		c := captured{method: r.Method, path: r.URL.Path, header: r.Header.Clone()}
		_ = json.Unmarshal(raw, &c.body)
		mu.Lock()
		seen = append(seen, c)
		mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []captured {
		mu.Lock()
		defer mu.Unlock()
		return append([]captured(nil), seen...)
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	const rnokpp = "3221501449"

	t.Run("UXP", func(t *testing.T) {
		t.Parallel()
		srv, seen := capture(t, nil)
		logs := &queryLogs{}
		client := registries.NewClient(registries.Config{OnQuery: logs.add})
		svc := *service(t, simulator.DemoServices(srv.URL+"/ss/"), registries.CodeResidents)
		err := client.Call(svc).Do(t.Context(), registries.Query{
			Path: "residence", Body: registries.PersonQuery{RNOKPP: rnokpp},
			Purposes: []string{"residence-extract", "benefit-check"}, Subject: rnokpp,
		}, nil)
		require.NoError(t, err)

		req := seen()[0]
		require.Equal(t, http.MethodPost, req.method)
		require.Equal(t, "/ss/restapi/residence", req.path)
		require.Equal(t, "SEVDEIR-TEST/GOV/43611027/HROMADA", req.header.Get("Uxp-Client"))
		require.Equal(t, "SEVDEIR-TEST/GOV/37261172/RESIDENCE/ResidenceByRNOKPP/v1", req.header.Get("Uxp-Service"))
		id, err := uuid.Parse(req.header.Get("Uxp-QueryID"))
		require.NoError(t, err)
		require.Equal(t, "residence-extract,benefit-check", req.header.Get("Uxp-Purpose-Ids"))
		require.Equal(t, rnokpp, req.header.Get("Uxp-Subject-Id"))
		require.Equal(t, "application/json", req.header.Get("Content-Type"))
		require.Equal(t, "application/json", req.header.Get("Accept"))
		require.Equal(t, map[string]any{"rnokpp": rnokpp}, req.body)
		for name := range req.header {
			require.False(t, strings.HasPrefix(name, "X-Road-"), "X-Road header %s in a UXP query", name)
		}

		// The log names the query by the id the registry saw.
		q := logs.last(t)
		require.Equal(t, id, q.ID)
		require.Equal(t, registries.OutcomeOK, q.Outcome)
		require.Equal(t, registries.CodeResidents, q.ServiceCode)
		require.Equal(t, "SEVDEIR-TEST/GOV/37261172/RESIDENCE/ResidenceByRNOKPP/v1", q.Service)
		require.Equal(t, []string{"residence-extract", "benefit-check"}, q.Purposes)
		require.Equal(t, rnokpp, q.Subject)
		require.Equal(t, 200, q.Status)
		require.Equal(t, 1, q.Attempts)
	})

	t.Run("UXPWithoutSubject", func(t *testing.T) {
		t.Parallel()
		srv, seen := capture(t, nil)
		client := registries.NewClient(registries.Config{})
		svc := *service(t, simulator.DemoServices(srv.URL), registries.CodeResidents)
		require.NoError(t, client.Call(svc).Do(t.Context(), registries.Query{Purposes: []string{"stats"}}, nil))
		req := seen()[0]
		require.Equal(t, "/restapi", req.path)
		require.NotContains(t, req.header, "Uxp-Subject-Id")
		require.Equal(t, map[string]any{}, req.body)
	})

	t.Run("XRoad", func(t *testing.T) {
		t.Parallel()
		srv, seen := capture(t, nil)
		logs := &queryLogs{}
		client := registries.NewClient(registries.Config{OnQuery: logs.add})
		svc := *service(t, simulator.DemoServices(srv.URL+"/ss"), registries.CodeVehicles)
		call := client.Call(svc)
		query := registries.Query{Path: "vehicles", Body: registries.PersonQuery{RNOKPP: rnokpp},
			Purposes: []string{"parking-permit"}, Subject: rnokpp}
		require.NoError(t, call.Do(t.Context(), query, nil))
		query.UserID = "official-3312004777"
		require.NoError(t, call.Do(t.Context(), query, nil))
		query.Subject, query.UserID = "", ""
		require.NoError(t, call.Do(t.Context(), query, nil))

		reqs := seen()
		require.Len(t, reqs, 3)
		req := reqs[0]
		require.Equal(t, http.MethodPost, req.method)
		require.Equal(t, "/ss/r1/SEVDEIR-TEST/GOV/00171026/VEHICLES/VehiclesByOwner/vehicles", req.path)
		require.Equal(t, "SEVDEIR-TEST/GOV/43611027/HROMADA", req.header.Get("X-Road-Client"))
		id, err := uuid.Parse(req.header.Get("X-Road-Id"))
		require.NoError(t, err)
		require.Equal(t, logs.all()[0].ID, id)
		require.Equal(t, rnokpp, req.header.Get("X-Road-UserId"), "the subject asks by default")
		require.Equal(t, "parking-permit", req.header.Get("X-Road-Issue"))
		require.Equal(t, "application/json", req.header.Get("Content-Type"))
		require.Equal(t, map[string]any{"rnokpp": rnokpp}, req.body)
		for name := range req.header {
			require.False(t, strings.HasPrefix(name, "Uxp-"), "UXP header %s in an X-Road query", name)
		}
		require.Equal(t, "official-3312004777", reqs[1].header.Get("X-Road-UserId"))
		require.Equal(t, "SEVDEIR-TEST/GOV/43611027/HROMADA", reqs[2].header.Get("X-Road-UserId"), "no subject: the city's system asks")
		require.NotEqual(t, reqs[0].header.Get("X-Road-Id"), reqs[1].header.Get("X-Road-Id"), "a new id per query")
	})

	t.Run("NothingSentWithoutPurpose", func(t *testing.T) {
		t.Parallel()
		srv, seen := capture(t, nil)
		client := registries.NewClient(registries.Config{})
		svc := *service(t, simulator.DemoServices(srv.URL), registries.CodeResidents)
		for _, q := range []registries.Query{
			{Subject: rnokpp},
			{Subject: rnokpp, Purposes: []string{"two words"}},
			{Subject: "3221501449\r\nX-Evil: 1", Purposes: []string{"extract"}},
			{Path: "../admin", Purposes: []string{"extract"}},
		} {
			err := client.Call(svc).Do(t.Context(), q, nil)
			require.ErrorIs(t, err, registries.ErrInvalidQuery)
		}
		_, err := registries.Residence(t.Context(), client, "3221501448", "extract")
		require.ErrorIs(t, err, registries.ErrInvalidQuery, "a bad check digit")
		require.Empty(t, seen())
	})
}

func TestMutualTLS(t *testing.T) {
	t.Parallel()
	b := setup(t, fastConfig(), nil)
	rnokpp := persona(t, "resident").RNOKPP

	t.Run("ClientCertificateAccepted", func(t *testing.T) {
		t.Parallel()
		r, err := registries.Residence(t.Context(), b.client, rnokpp, "extract")
		require.NoError(t, err)
		require.True(t, r.Registered)
	})

	t.Run("NoClientCertificate", func(t *testing.T) {
		t.Parallel()
		cfg := b.pki.ClientTLS()
		cfg.Certificates = nil
		client := registries.NewClient(registries.Config{TLS: cfg, Services: b.services,
			BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
		defer client.Close()
		before := b.sim.RequestsTo(registries.CodeResidents)
		_, err := registries.Residence(t.Context(), client, rnokpp, "extract")
		require.ErrorIs(t, err, registries.ErrUnavailable)
		require.Contains(t, registries.Reason(err), "сертифікати")
		require.Equal(t, before, b.sim.RequestsTo(registries.CodeResidents), "the handshake let a query through")
	})

	t.Run("UntrustedServer", func(t *testing.T) {
		t.Parallel()
		// The client certificate but not the simulator's CA: the system
		// roots do not vouch for the security server.
		client := registries.NewClient(registries.Config{Services: b.services,
			TLS: &tls.Config{Certificates: b.pki.ClientTLS().Certificates}})
		defer client.Close()
		_, err := registries.Residence(t.Context(), client, rnokpp, "extract")
		require.ErrorIs(t, err, registries.ErrUnavailable)
		require.Contains(t, registries.Reason(err), "сертифікати")
	})
}

func TestRetries(t *testing.T) {
	t.Parallel()
	rnokpp := persona(t, "resident").RNOKPP

	for _, status := range []int{http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			b := setup(t, fastConfig(), nil)
			b.sim.FailNext(2, status)
			r, err := registries.Residence(t.Context(), b.client, rnokpp, "extract")
			require.NoError(t, err)
			require.Equal(t, simulator.KATOTTGKyiv, r.KATOTTG)
			require.Equal(t, 3, b.sim.Requests())
			q := b.logs.last(t)
			require.Equal(t, 3, q.Attempts)
			require.Equal(t, registries.OutcomeOK, q.Outcome)
			require.Equal(t, 200, q.Status)
		})
	}

	t.Run("SameQueryIDOnEveryAttempt", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		fails := 1
		srv, seen := capture(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if fails > 0 {
				fails--
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, `{}`)
		})
		client := registries.NewClient(fastConfig())
		svc := *service(t, simulator.DemoServices(srv.URL), registries.CodeLand)
		require.NoError(t, client.Call(svc).Do(t.Context(), registries.Query{Path: "plots", Purposes: []string{"x"}}, nil))
		reqs := seen()
		require.Len(t, reqs, 2)
		require.Equal(t, reqs[0].header.Get("X-Road-Id"), reqs[1].header.Get("X-Road-Id"))
	})

	t.Run("GivesUp", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fastConfig(), nil)
		b.sim.FailNext(10, http.StatusInternalServerError)
		_, err := registries.Vehicles(t.Context(), b.client, rnokpp, "parking")
		require.ErrorIs(t, err, registries.ErrUnavailable)
		require.Equal(t, "Реєстр зараз недоступний", registries.Reason(err))
		require.Equal(t, 3, b.sim.Requests())
		q := b.logs.last(t)
		require.Equal(t, registries.OutcomeUnavailable, q.Outcome)
		require.Equal(t, 500, q.Status)
		require.Equal(t, 3, q.Attempts)
	})

	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusConflict} {
		t.Run("NoRetryOn"+http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			b := setup(t, fastConfig(), nil)
			b.sim.FailNext(1, status)
			_, err := registries.Benefits(t.Context(), b.client, rnokpp, "subsidy")
			require.ErrorIs(t, err, registries.ErrRefused)
			require.Equal(t, 1, b.sim.Requests())
			require.Equal(t, registries.OutcomeRefused, b.logs.last(t).Outcome)
			require.Contains(t, registries.Reason(err), "відхилив")
		})
	}
}

func TestCircuitBreaker(t *testing.T) {
	t.Parallel()
	const cooldown = 150 * time.Millisecond
	cfg := fastConfig()
	cfg.MaxAttempts, cfg.BreakerFailures, cfg.BreakerCooldown = 1, 3, cooldown
	b := setup(t, cfg, nil)
	rnokpp := persona(t, "resident").RNOKPP
	residence := func() error {
		_, err := registries.Residence(t.Context(), b.client, rnokpp, "extract")
		return err
	}

	b.sim.FailNext(3, http.StatusServiceUnavailable)
	for range 3 {
		require.ErrorIs(t, residence(), registries.ErrUnavailable)
	}
	require.Equal(t, 3, b.sim.Requests())

	// Open: fails fast, nothing sent.
	start := time.Now()
	err := residence()
	require.ErrorIs(t, err, registries.ErrUnavailable)
	require.ErrorIs(t, err, gobreaker.ErrOpenState)
	require.Less(t, time.Since(start), 50*time.Millisecond)
	require.Equal(t, 3, b.sim.Requests())
	require.Contains(t, registries.Reason(err), "призупинено")
	require.Zero(t, b.logs.last(t).Attempts)

	// One breaker per registry service: the others still serve.
	_, err = registries.Vehicles(t.Context(), b.client, rnokpp, "parking")
	require.NoError(t, err)

	// After the cooldown one query goes through; its success closes the
	// breaker again.
	time.Sleep(cooldown + 50*time.Millisecond)
	require.NoError(t, residence())
	require.NoError(t, residence())
	require.Equal(t, 2, b.sim.RequestsTo(registries.CodeResidents))

	// A failure while half-open opens it again at once.
	b.sim.FailNext(3, http.StatusServiceUnavailable)
	for range 3 {
		require.ErrorIs(t, residence(), registries.ErrUnavailable)
	}
	time.Sleep(cooldown + 50*time.Millisecond)
	b.sim.FailNext(1, http.StatusServiceUnavailable)
	require.ErrorIs(t, residence(), registries.ErrUnavailable)
	require.ErrorIs(t, residence(), gobreaker.ErrOpenState)
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	rnokpp := persona(t, "resident").RNOKPP

	t.Run("ServiceTimeout", func(t *testing.T) {
		t.Parallel()
		cfg := fastConfig()
		cfg.MaxAttempts = 2
		b := setup(t, cfg, func(svcs []registries.Service) {
			service(t, svcs, registries.CodeResidents).Timeout = 100 * time.Millisecond
		})
		b.sim.SetDelay(5 * time.Second)
		start := time.Now()
		_, err := registries.Residence(t.Context(), b.client, rnokpp, "extract")
		require.Less(t, time.Since(start), time.Second)
		require.ErrorIs(t, err, registries.ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, "Реєстр не відповів вчасно", registries.Reason(err))
		require.Equal(t, 2, b.logs.last(t).Attempts, "a timeout is retried")
	})

	t.Run("CallerDeadline", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fastConfig(), nil)
		b.sim.SetDelay(5 * time.Second)
		ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := registries.LandPlots(ctx, b.client, rnokpp, "land-tax")
		require.Less(t, time.Since(start), time.Second)
		require.ErrorIs(t, err, registries.ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, "Реєстр не відповів вчасно", registries.Reason(err))
		require.Equal(t, 1, b.logs.last(t).Attempts, "no retry once the caller is gone")
	})
}

func TestBadAnswers(t *testing.T) {
	t.Parallel()
	rnokpp := persona(t, "resident").RNOKPP

	t.Run("Garbage", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fastConfig(), nil)
		b.sim.SetGarbage(true)
		_, err := registries.Residence(t.Context(), b.client, rnokpp, "extract")
		require.ErrorIs(t, err, registries.ErrBadAnswer)
		require.Equal(t, "Реєстр надіслав відповідь, яку не вдалося прочитати", registries.Reason(err))
		require.Equal(t, 1, b.sim.Requests(), "a bad answer is not retried")
		require.Equal(t, registries.OutcomeBadAnswer, b.logs.last(t).Outcome)
	})

	for name, body := range map[string]string{
		"Empty":              ``,
		"Array":              `[{"registered": true}]`,
		"NoRegistered":       `{}`,
		"WrongType":          `{"registered": "yes"}`,
		"NoKATOTTG":          `{"registered": true, "address": "м. Київ", "since": "2016-08-09"}`,
		"BadKATOTTG":         `{"registered": true, "address": "м. Київ", "katottg": "UA8000", "since": "2016-08-09"}`,
		"BadDistrict":        `{"registered": true, "address": "м. Київ", "katottg": "UA80000000000093317", "district": "Шевченківський", "since": "2016-08-09"}`,
		"TrailingData":       `{"registered": false} {"registered": true}`,
		"TooLarge":           `{"registered": false, "pad": "` + strings.Repeat("x", 2000) + `"}`,
		"HTML":               `<html>404</html>`,
		"BadHouseholdMember": `{"registered": true, "address": "м. Київ", "katottg": "UA80000000000093317", "since": "2016-08-09", "household": [{"rnokpp": "123"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, _ := capture(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) })
			client := registries.NewClient(registries.Config{MaxResponseBytes: 1000, Services: registries.Static(simulator.DemoServices(srv.URL))})
			_, err := registries.Residence(t.Context(), client, rnokpp, "extract")
			require.ErrorIs(t, err, registries.ErrBadAnswer)
		})
	}

	t.Run("RedirectNotFollowed", func(t *testing.T) {
		t.Parallel()
		srv, seen := capture(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		})
		client := registries.NewClient(registries.Config{Services: registries.Static(simulator.DemoServices(srv.URL))})
		_, err := registries.Residence(t.Context(), client, rnokpp, "extract")
		require.ErrorIs(t, err, registries.ErrRefused)
		require.Len(t, seen(), 1)
	})
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	b := setup(t, fastConfig(), nil)
	nobody := unknownRNOKPP(t)
	ctx := t.Context()

	_, err := registries.Residence(ctx, b.client, nobody, "extract")
	require.ErrorIs(t, err, registries.ErrNotFound)
	require.Equal(t, "У реєстрі немає запису про цю особу чи об’єкт", registries.Reason(err))
	require.Equal(t, registries.OutcomeNotFound, b.logs.last(t).Outcome)
	require.Equal(t, 404, b.logs.last(t).Status)
	_, err = registries.Vehicles(ctx, b.client, nobody, "parking")
	require.ErrorIs(t, err, registries.ErrNotFound)
	_, err = registries.Benefits(ctx, b.client, nobody, "subsidy")
	require.ErrorIs(t, err, registries.ErrNotFound)
	_, err = registries.LandPlots(ctx, b.client, nobody, "land-tax")
	require.ErrorIs(t, err, registries.ErrNotFound)
	_, err = registries.LandPlots(ctx, b.client, "8000000000:00:000:0000", "land-tax")
	require.ErrorIs(t, err, registries.ErrNotFound)
	require.Equal(t, 5, b.sim.Requests(), "a 404 is an answer, not retried")

	// A 404 that is not the registry's own (a wrong path) is a refusal:
	// it must never read as "no such person".
	call, err := b.client.For(ctx, registries.CodeResidents)
	require.NoError(t, err)
	err = call.Do(ctx, registries.Query{Path: "no-such-operation", Purposes: []string{"extract"}}, nil)
	require.ErrorIs(t, err, registries.ErrRefused)
	require.NotErrorIs(t, err, registries.ErrNotFound)
	_, err = b.client.For(ctx, "passports")
	require.ErrorIs(t, err, registries.ErrNotConfigured)
	require.Equal(t, "Обмін даними з цим реєстром для громади не налаштовано", registries.Reason(err))
}

func TestServiceValidate(t *testing.T) {
	t.Parallel()
	good := simulator.DemoServices("https://ss.kyiv.example:8443")
	for _, svc := range good {
		require.NoError(t, svc.Validate())
	}
	for name, edit := range map[string]func(*registries.Service){
		"Dialect":     func(s *registries.Service) { s.Dialect = "soap" },
		"Code":        func(s *registries.Service) { s.Code = "Residents!" },
		"BaseURL":     func(s *registries.Service) { s.BaseURL = "ftp://ss" },
		"NoHost":      func(s *registries.Service) { s.BaseURL = "https://" },
		"SlashInPart": func(s *registries.Service) { s.MemberCode = "37/261172" },
		"EmptyClient": func(s *registries.Service) { s.ClientSubsystem = "" },
		"UXPVersion":  func(s *registries.Service) { s.Version = "" },
		"Timeout":     func(s *registries.Service) { s.Timeout = time.Hour },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc := good[0]
			require.Equal(t, registries.UXP, svc.Dialect)
			edit(&svc)
			require.ErrorIs(t, svc.Validate(), registries.ErrInvalidService)
		})
	}
}
