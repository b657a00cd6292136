package simulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/devidp"
	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
	"hromada/ukid"
)

const olena = "3221501449"

func uxpHeaders() http.Header {
	return http.Header{
		"Content-Type":    {"application/json"},
		"Uxp-Client":      {"SEVDEIR-TEST/GOV/43611027/HROMADA"},
		"Uxp-Service":     {"SEVDEIR-TEST/GOV/37261172/RESIDENCE/ResidenceByRNOKPP/v1"},
		"Uxp-Queryid":     {uuid.NewString()},
		"Uxp-Purpose-Ids": {"extract"},
		"Uxp-Subject-Id":  {olena},
	}
}

func xroadHeaders() http.Header {
	return http.Header{
		"Content-Type":  {"application/json"},
		"X-Road-Client": {"SEVDEIR-TEST/GOV/43611027/HROMADA"},
		"X-Road-Id":     {uuid.NewString()},
		"X-Road-Userid": {olena},
		"X-Road-Issue":  {"parking"},
	}
}

const (
	uxpPath   = "/restapi/residence"
	xroadPath = "/r1/SEVDEIR-TEST/GOV/00171026/VEHICLES/VehiclesByOwner/vehicles"
)

// post sends a raw query to h and returns the status, the decoded body and
// the response headers.
func post(t *testing.T, h http.Handler, method, path string, header http.Header, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header = header
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return rec.Code, out, rec.Header()
}

func TestRequiredHeaders(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	body := `{"rnokpp": "` + olena + `"}`

	code, out, _ := post(t, sim, http.MethodPost, uxpPath, uxpHeaders(), body)
	require.Equal(t, http.StatusOK, code, out)
	code, out, _ = post(t, sim, http.MethodPost, xroadPath, xroadHeaders(), body)
	require.Equal(t, http.StatusOK, code, out)
	require.Equal(t, 1, sim.RequestsTo(registries.CodeResidents))
	require.Equal(t, 1, sim.RequestsTo(registries.CodeVehicles))

	for _, name := range []string{"Uxp-Client", "Uxp-Service", "Uxp-Queryid", "Uxp-Purpose-Ids", "Uxp-Subject-Id"} {
		t.Run("UXPWithout"+name, func(t *testing.T) {
			t.Parallel()
			h := uxpHeaders()
			h.Del(name)
			code, out, _ := post(t, sim, http.MethodPost, uxpPath, h, body)
			require.Equal(t, http.StatusBadRequest, code)
			require.NotEmpty(t, out["type"])
			require.NotEmpty(t, out["message"])
		})
	}
	for _, name := range []string{"X-Road-Client", "X-Road-Id", "X-Road-Userid", "X-Road-Issue"} {
		t.Run("XRoadWithout"+name, func(t *testing.T) {
			t.Parallel()
			h := xroadHeaders()
			h.Del(name)
			code, out, header := post(t, sim, http.MethodPost, xroadPath, h, body)
			require.Equal(t, http.StatusBadRequest, code)
			require.Equal(t, "Client.MissingHeader", out["type"])
			require.Equal(t, "Client.MissingHeader", header.Get("X-Road-Error"))
		})
	}
	for name, edit := range map[string]func(h http.Header){
		"MalformedClient":  func(h http.Header) { h.Set("Uxp-Client", "SEVDEIR-TEST/GOV/43611027") },
		"MalformedService": func(h http.Header) { h.Set("Uxp-Service", "SEVDEIR-TEST/GOV/37261172/RESIDENCE/ResidenceByRNOKPP") },
		"UnknownService":   func(h http.Header) { h.Set("Uxp-Service", "SEVDEIR-TEST/GOV/37261172/RESIDENCE/Passports/v1") },
		"QueryIDNotUUID":   func(h http.Header) { h.Set("Uxp-QueryID", "42") },
		"EmptyPurpose":     func(h http.Header) { h.Set("Uxp-Purpose-Ids", "extract,") },
		"SubjectMismatch":  func(h http.Header) { h.Set("Uxp-Subject-Id", "2916002336") },
		"NotJSON":          func(h http.Header) { h.Set("Content-Type", "text/plain") },
	} {
		t.Run("UXP"+name, func(t *testing.T) {
			t.Parallel()
			h := uxpHeaders()
			edit(h)
			code, out, _ := post(t, sim, http.MethodPost, uxpPath, h, body)
			require.GreaterOrEqual(t, code, 400)
			require.Less(t, code, 500)
			require.NotEmpty(t, out["type"])
		})
	}
	t.Run("NotPOST", func(t *testing.T) {
		t.Parallel()
		code, _, _ := post(t, sim, http.MethodGet, xroadPath, xroadHeaders(), "")
		require.Equal(t, http.StatusMethodNotAllowed, code)
	})
	t.Run("UnknownOperation", func(t *testing.T) {
		t.Parallel()
		code, out, header := post(t, sim, http.MethodPost, xroadPath+"/extra", xroadHeaders(), body)
		require.Equal(t, http.StatusNotFound, code)
		require.Equal(t, "Server.UnknownOperation", out["type"], "a gateway 404, not the registry's")
		require.NotEmpty(t, header.Get("X-Road-Error"))
	})
	t.Run("UnknownPerson", func(t *testing.T) {
		t.Parallel()
		h := xroadHeaders()
		code, _, _ := post(t, sim, http.MethodPost, xroadPath, h, `{"rnokpp": "2916002337"}`)
		require.Equal(t, http.StatusBadRequest, code, "bad check digit")
		code, out, header := post(t, sim, http.MethodPost, xroadPath, h, `{"rnokpp": "3012345670"}`)
		require.Equal(t, http.StatusNotFound, code)
		require.Equal(t, "NOT_FOUND", out["error"].(map[string]any)["code"])
		require.Empty(t, header.Get("X-Road-Error"), "the registry's answer passes the gateway")
	})
}

func TestKnobs(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	body := `{"rnokpp": "` + olena + `"}`
	sim.FailNext(2, http.StatusServiceUnavailable)
	for range 2 {
		code, out, _ := post(t, sim, http.MethodPost, uxpPath, uxpHeaders(), body)
		require.Equal(t, http.StatusServiceUnavailable, code)
		require.Equal(t, "SIMULATED_FAILURE", out["error"].(map[string]any)["code"])
	}
	code, _, _ := post(t, sim, http.MethodPost, uxpPath, uxpHeaders(), body)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, 3, sim.Requests())

	sim.SetGarbage(true)
	req := httptest.NewRequest(http.MethodPost, uxpPath, strings.NewReader(body))
	req.Header = uxpHeaders()
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.False(t, json.Valid(rec.Body.Bytes()))
}

// Mount serves the simulator under Prefix, where DemoServices points.
func TestMount(t *testing.T) {
	t.Parallel()
	r := chi.NewRouter()
	simulator.Mount(r, simulator.New())
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	client := registries.NewClient(registries.Config{Services: registries.Static(simulator.DemoServices(srv.URL + simulator.Prefix))})
	t.Cleanup(client.Close)
	for _, lookup := range registries.Lookups {
		_, err := registries.Lookup(t.Context(), client, lookup, olena, "demo")
		require.NoError(t, err, lookup)
	}
}

func TestMutualTLSRequired(t *testing.T) {
	t.Parallel()
	pki, err := simulator.NewPKI()
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(simulator.New())
	srv.TLS = pki.ServerTLS()
	srv.StartTLS()
	t.Cleanup(srv.Close)

	do := func(c *http.Client) error {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+uxpPath, strings.NewReader(`{"rnokpp": "`+olena+`"}`))
		req.Header = uxpHeaders()
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return nil
	}
	with := &http.Client{Transport: &http.Transport{TLSClientConfig: pki.ClientTLS()}}
	require.NoError(t, do(with))
	noCert := pki.ClientTLS()
	noCert.Certificates = nil
	without := &http.Client{Transport: &http.Transport{TLSClientConfig: noCert}}
	require.Error(t, do(without))
}

// The demo data are about the personas, and made of valid codes.
func TestDemoData(t *testing.T) {
	t.Parallel()
	for _, svc := range simulator.DemoServices("https://ss.example") {
		require.NoError(t, svc.Validate())
		require.True(t, ukid.ValidEDRPOU(svc.MemberCode), svc.MemberCode)
	}
	require.True(t, ukid.ValidEDRPOU(simulator.ClientMemberCode))

	sim := simulator.New()
	for _, p := range devidp.Personas {
		h := uxpHeaders()
		h.Set("Uxp-Subject-Id", p.RNOKPP)
		code, out, _ := post(t, sim, http.MethodPost, uxpPath, h, `{"rnokpp": "`+p.RNOKPP+`"}`)
		require.Equal(t, http.StatusOK, code, p.ID)
		require.Equal(t, true, out["registered"], p.ID)
		for _, m := range out["household"].([]any) {
			rn := m.(map[string]any)["rnokpp"].(string)
			require.True(t, ukid.ValidRNOKPP(rn), "%s: household member %s", p.ID, rn)
		}
	}
}
