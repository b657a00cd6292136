package registries_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/ukid"
)

// fixedServices answers every code with the demo configuration of that
// registry, reaching the fuzzer's server.
type fixedServices map[string]registries.Service

func (s fixedServices) Service(_ context.Context, code string) (registries.Service, error) {
	svc, ok := s[code]
	if !ok {
		return registries.Service{}, registries.ErrNotConfigured
	}
	return svc, nil
}

// FuzzRegistryAnswer has a registry (a real HTTP server on loopback)
// answer the real client's typed lookups with any status, X-Road-Error
// header and body. The client either returns a record that keeps every
// promise of its type — a registered residence has an address, a valid
// КАТОТТГ and a date; a vehicle a plate, a make and a plausible year; a
// land plot a cadastral number, an area and its owner's РНОКПП — or one of
// the package's errors, the one the status calls for.
func FuzzRegistryAnswer(f *testing.F) {
	var mu sync.Mutex
	var status int
	var xroadErr string
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if xroadErr != "" {
			w.Header().Set("X-Road-Error", xroadErr)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	f.Cleanup(srv.Close)
	svcs := fixedServices{}
	for _, s := range simulator.DemoServices(srv.URL) {
		s.Timeout = time.Minute // the machine may be slow; a timeout is not what is fuzzed
		svcs[s.Code] = s
	}
	// One attempt and a breaker that never opens: each input is judged
	// on its own.
	client := registries.NewClient(registries.Config{Services: svcs, MaxAttempts: 1, BreakerFailures: 1 << 30, MaxResponseBytes: 64 << 10})
	f.Cleanup(client.Close)

	f.Add(uint8(0), uint16(200), "", []byte(`{"registered": true, "address": "м. Київ, вул. Хрещатик, 1", "katottg": "UA80000000000093317", "since": "2015-06-01",
		"household": [{"rnokpp": "3221501449", "name": "Шевченко Олена", "relation": "дружина"}]}`))
	f.Add(uint8(0), uint16(200), "", []byte(`{"registered": false}`))
	f.Add(uint8(0), uint16(200), "", []byte(`{"registered": true}`))
	f.Add(uint8(0), uint16(200), "", []byte(`{}`))
	f.Add(uint8(1), uint16(200), "", []byte(`{"vehicles": [{"plate": "АА1234ВВ", "make": "Škoda Octavia", "year": 2019}]}`))
	f.Add(uint8(1), uint16(200), "", []byte(`{"vehicles": [{"plate": "АА1234ВВ", "make": "Škoda Octavia", "year": 1800}]}`))
	f.Add(uint8(2), uint16(200), "", []byte(`{"categories": ["veteran"], "since": "2020-01-01"}`))
	f.Add(uint8(2), uint16(200), "", []byte(`{"categories": null}`))
	f.Add(uint8(3), uint16(200), "", []byte(`{"plots": [{"cadastral_number": "8000000000:01:001:0001", "area_ha": 0.1, "purpose": "02.01", "owner_rnokpp": "3221501449"}]}`))
	f.Add(uint8(3), uint16(200), "", []byte(`{"plots": []} {}`))
	f.Add(uint8(0), uint16(404), "", []byte(`{"error": {"code": "NOT_FOUND", "message": "немає такої особи"}}`))
	f.Add(uint8(0), uint16(404), "Server.ServerProxy.ServiceFailed", []byte(`{"type": "Server.ServerProxy", "message": "x"}`))
	f.Add(uint8(1), uint16(403), "", []byte(`{"type": "Client.InternalError", "message": "access denied"}`))
	f.Add(uint8(2), uint16(503), "", []byte(`upstream down`))
	f.Add(uint8(3), uint16(429), "", []byte{})
	f.Add(uint8(0), uint16(302), "", []byte{})
	f.Fuzz(func(t *testing.T, which uint8, st uint16, xerr string, b []byte) {
		mu.Lock()
		// 200–599: what a server may send as a final answer.
		status, xroadErr, body = 200+int(st)%400, xerr, b
		if !validHeader(xroadErr) {
			xroadErr = ""
		}
		want := status
		mu.Unlock()

		ctx := context.Background()
		const rnokpp = "3221501449"
		var err error
		switch which % 4 {
		case 0:
			var r registries.ResidenceRecord
			r, err = registries.Residence(ctx, client, rnokpp, "fuzz")
			if err == nil && r.Registered && (r.Address == "" || !ukid.ValidKATOTTG(r.KATOTTG) || !validDate(r.Since)) {
				t.Fatalf("a registered residence without its address, code or date: %+v", r)
			}
			for _, m := range r.Household {
				if m.Name == "" || (m.RNOKPP != "" && !ukid.ValidRNOKPP(m.RNOKPP)) {
					t.Fatalf("a household member without a name or with a bad РНОКПП: %+v", m)
				}
			}
		case 1:
			var vs []registries.Vehicle
			vs, err = registries.Vehicles(ctx, client, rnokpp, "fuzz")
			for _, v := range vs {
				if v.Plate == "" || v.Make == "" || v.Year < 1900 || v.Year > 2100 {
					t.Fatalf("a vehicle without a plate, a make or a plausible year: %+v", v)
				}
			}
			if err == nil && vs == nil {
				t.Fatal("vehicles: nil list without an error")
			}
		case 2:
			var r registries.BenefitsRecord
			r, err = registries.Benefits(ctx, client, rnokpp, "fuzz")
			if err == nil && (r.Categories == nil || len(r.Categories) > 0 && !validDate(r.Since)) {
				t.Fatalf("benefits without categories or a date: %+v", r)
			}
		case 3:
			var ps []registries.LandPlot
			ps, err = registries.LandPlots(ctx, client, rnokpp, "fuzz")
			for _, p := range ps {
				if !registries.ValidCadastralNumber(p.CadastralNumber) || !(p.AreaHa > 0) || p.Purpose == "" || !ukid.ValidRNOKPP(p.OwnerRNOKPP) {
					t.Fatalf("a plot that is not one: %+v", p)
				}
			}
		}
		switch {
		case err == nil:
			if want < 200 || want > 299 {
				t.Fatalf("HTTP %d taken as an answer", want)
			}
		case want >= 500 || want == http.StatusTooManyRequests:
			if !errors.Is(err, registries.ErrUnavailable) {
				t.Fatalf("HTTP %d: %v, want ErrUnavailable", want, err)
			}
		case errors.Is(err, registries.ErrNotFound):
			if want != http.StatusNotFound {
				t.Fatalf("HTTP %d taken as not found", want)
			}
		case want >= 200 && want <= 299:
			if !errors.Is(err, registries.ErrBadAnswer) {
				t.Fatalf("HTTP %d: %v, want ErrBadAnswer", want, err)
			}
		default:
			if !errors.Is(err, registries.ErrRefused) {
				t.Fatalf("HTTP %d: %v, want ErrRefused", want, err)
			}
		}
	})
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// validHeader says whether net/http would send s as a header value.
func validHeader(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
