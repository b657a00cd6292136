// Package simulator is a stand-in for a city's security server and the
// registries behind it, for tests and development: an http.Handler that
// speaks exactly the protocol the registries package documents, in both
// dialects (Trembita 2.0 on UXP, and plain X-Road REST), checks the
// identification headers as a security server would, and serves four demo
// registries (residents, vehicles, social benefits, land) with
// deterministic, made-up data about the development identity provider's
// personas (devidp.Personas).
//
// Tests put it behind mTLS with httptest.NewUnstartedServer and PKI;
// development mounts it with Mount. Knobs make it misbehave on demand:
// Delay, FailNext, Garbage; Requests and RequestsTo count what reached it.
package simulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/registries"
	"hromada/ukid"
)

// Simulator is the simulated security server with its registries. Set
// Delay and Garbage before it serves; change them while it serves with
// SetDelay and SetGarbage.
type Simulator struct {
	// Delay holds every answer back this long (or until the client gives
	// up): a slow registry, for timeouts.
	Delay time.Duration
	// Garbage makes every query that passes the security server's checks
	// get a 200 with an HTML page instead of JSON.
	Garbage bool

	mu         sync.Mutex
	failN      int
	failStatus int
	requests   int
	byCode     map[string]int
	people     map[string]*person // by РНОКПП
	members    []MemberService
}

// New returns a simulator serving the demo data.
func New() *Simulator {
	return &Simulator{byCode: map[string]int{}, people: people()}
}

// SetDelay changes Delay while the simulator serves.
func (s *Simulator) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Delay = d
}

// SetGarbage changes Garbage while the simulator serves.
func (s *Simulator) SetGarbage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Garbage = on
}

// FailNext makes the next n requests, whatever they are, get status with
// the registry's error body: a registry failing (5xx), throttling (429) or
// refusing (4xx).
func (s *Simulator) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// Requests is how many requests reached the simulator, whatever became of
// them.
func (s *Simulator) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// RequestsTo is how many requests passed the security server's checks and
// reached the registry with our code (residents, vehicles, benefits, land).
func (s *Simulator) RequestsTo(code string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byCode[code]
}

// Prefix is where Mount serves the simulator: the security server's base
// URL is the portal's origin followed by Prefix.
const Prefix = "/dev/registries"

// Mount serves s under Prefix on r, so that DemoServices(origin + Prefix)
// reaches it. It is for development only: cmd/hromada mounts it when it
// runs outside production, as it does the development identity provider,
// and never in production, where it must not be reachable — it answers
// anyone, without a security server's mTLS, with made-up personal data.
// For mTLS in development, serve s on its own listener with PKI.ServerTLS
// instead.
func Mount(r chi.Router, s *Simulator) {
	r.Handle(Prefix+"/*", http.StripPrefix(Prefix, s))
}

// ServeHTTP answers one query.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	delay, garbage, fail := s.Delay, s.Garbage, 0
	if s.failN > 0 {
		s.failN--
		fail = s.failStatus
	}
	s.mu.Unlock()

	// Read the body first: only then does the server watch the connection,
	// so a client that gives up during Delay ends the wait. A member
	// service's message (a signed application) is larger than a registry
	// query.
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxMessage))
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			// The client left: abort, so that nothing resembling an
			// answer reaches a transport still reading.
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}
	if fail != 0 {
		registryError(w, fail, "SIMULATED_FAILURE", "Імітований збій реєстру")
		return
	}
	reg, ok := s.route(w, r)
	if !ok {
		return
	}
	if reg.member != nil {
		s.mu.Lock()
		s.byCode[reg.code]++
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		reg.member.Handler.ServeHTTP(w, r)
		return
	}
	var q struct {
		RNOKPP          string `json:"rnokpp"`
		CadastralNumber string `json:"cadastral_number"`
	}
	if readErr != nil || json.Unmarshal(body, &q) != nil {
		registryError(w, http.StatusBadRequest, "BAD_REQUEST", "Тіло запиту має бути об’єктом JSON")
		return
	}
	// A query about a person names them in Uxp-Subject-Id too, and the two
	// must agree: the registry logs whom the query was about.
	if q.RNOKPP != "" && reg.dialect == registries.UXP && r.Header.Get("Uxp-Subject-Id") != q.RNOKPP {
		gatewayError(w, reg.dialect, http.StatusBadRequest, "Client.SubjectMismatch", "Uxp-Subject-Id must name the person the query is about")
		return
	}
	s.mu.Lock()
	s.byCode[reg.code]++
	s.mu.Unlock()
	if garbage {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "<html><body><h1>Сервіс тимчасово недоступний</h1></body></html>")
		return
	}
	status, v := s.answer(reg.code, q.RNOKPP, q.CadastralNumber)
	writeJSON(w, status, v)
}

// target is the registry a query is for, and the dialect it came in;
// member is set for a member service (AddMember).
type target struct {
	code    string
	dialect registries.Dialect
	member  *MemberService
}

// route checks the request as the security server would, and finds the
// registry it is for; on failure it has answered.
func (s *Simulator) route(w http.ResponseWriter, r *http.Request) (target, bool) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/restapi/"):
		return s.routeUXP(w, r)
	case strings.HasPrefix(r.URL.Path, "/r1/"):
		return s.routeXRoad(w, r)
	}
	gatewayError(w, registries.XRoad, http.StatusNotFound, "Client.InvalidPath", "expected /restapi/… (UXP) or /r1/… (X-Road)")
	return target{}, false
}

func (s *Simulator) routeUXP(w http.ResponseWriter, r *http.Request) (target, bool) {
	fail := func(status int, typ, msg string) (target, bool) {
		gatewayError(w, registries.UXP, status, typ, msg)
		return target{}, false
	}
	if r.Method != http.MethodPost {
		return fail(http.StatusMethodNotAllowed, "Client.InvalidMethod", "queries are POST")
	}
	h := r.Header
	for _, name := range []string{"Uxp-Client", "Uxp-Service", "Uxp-QueryID", "Uxp-Purpose-Ids"} {
		if h.Get(name) == "" {
			return fail(http.StatusBadRequest, "Client.MissingHeader", "missing header "+name)
		}
	}
	if !identifier(h.Get("Uxp-Client"), 4) {
		return fail(http.StatusBadRequest, "Client.InvalidClientId", "Uxp-Client must be instance/class/member/subsystem")
	}
	if !identifier(h.Get("Uxp-Service"), 6) {
		return fail(http.StatusBadRequest, "Client.InvalidServiceId", "Uxp-Service must be instance/class/member/subsystem/service/version")
	}
	if _, err := uuid.Parse(h.Get("Uxp-QueryID")); err != nil {
		return fail(http.StatusBadRequest, "Client.InvalidQueryId", "Uxp-QueryID must be a UUID")
	}
	if !list(h.Get("Uxp-Purpose-Ids")) {
		return fail(http.StatusBadRequest, "Client.InvalidPurpose", "Uxp-Purpose-Ids must be purpose ids separated by commas")
	}
	if !jsonContent(r) {
		return fail(http.StatusUnsupportedMediaType, "Client.InvalidContentType", "the body must be application/json")
	}
	id := h.Get("Uxp-Service")
	for _, reg := range demoRegistries {
		if id == reg.id(true) {
			if strings.TrimPrefix(r.URL.Path, "/restapi/") != reg.path {
				return fail(http.StatusNotFound, "Server.UnknownOperation", "the service has no operation "+r.URL.Path)
			}
			return target{code: reg.code, dialect: registries.UXP}, true
		}
	}
	if m := s.member(id, true); m != nil {
		if strings.TrimPrefix(r.URL.Path, "/restapi/") != m.Path {
			return fail(http.StatusNotFound, "Server.UnknownOperation", "the service has no operation "+r.URL.Path)
		}
		return target{code: m.Code, dialect: registries.UXP, member: m}, true
	}
	return fail(http.StatusBadRequest, "Client.UnknownService", "no such service: "+id)
}

func (s *Simulator) routeXRoad(w http.ResponseWriter, r *http.Request) (target, bool) {
	fail := func(status int, typ, msg string) (target, bool) {
		gatewayError(w, registries.XRoad, status, typ, msg)
		return target{}, false
	}
	if r.Method != http.MethodPost {
		return fail(http.StatusMethodNotAllowed, "Client.InvalidMethod", "queries are POST")
	}
	h := r.Header
	for _, name := range []string{"X-Road-Client", "X-Road-Id", "X-Road-UserId", "X-Road-Issue"} {
		if h.Get(name) == "" {
			return fail(http.StatusBadRequest, "Client.MissingHeader", "missing header "+name)
		}
	}
	if !identifier(h.Get("X-Road-Client"), 4) {
		return fail(http.StatusBadRequest, "Client.InvalidClientId", "X-Road-Client must be instance/class/member/subsystem")
	}
	if !list(h.Get("X-Road-Issue")) {
		return fail(http.StatusBadRequest, "Client.InvalidIssue", "X-Road-Issue must be purpose ids separated by commas")
	}
	if !jsonContent(r) {
		return fail(http.StatusUnsupportedMediaType, "Client.InvalidContentType", "the body must be application/json")
	}
	// /r1/{instance}/{class}/{member}/{subsystem}/{service}/{path}
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/r1/"), "/")
	if len(segs) < 5 {
		return fail(http.StatusBadRequest, "Client.InvalidServiceId", "the path must name instance/class/member/subsystem/service")
	}
	id, op := strings.Join(segs[:5], "/"), strings.Join(segs[5:], "/")
	for _, reg := range demoRegistries {
		if id == reg.id(false) {
			if op != reg.path {
				return fail(http.StatusNotFound, "Server.UnknownOperation", "the service has no operation /"+op)
			}
			return target{code: reg.code, dialect: registries.XRoad}, true
		}
	}
	if m := s.member(id, false); m != nil {
		if op != m.Path {
			return fail(http.StatusNotFound, "Server.UnknownOperation", "the service has no operation /"+op)
		}
		return target{code: m.Code, dialect: registries.XRoad, member: m}, true
	}
	return fail(http.StatusBadRequest, "Client.UnknownService", "no such service: "+id)
}

// identifier reports whether v is n non-empty parts separated by '/'.
func identifier(v string, n int) bool {
	parts := strings.Split(v, "/")
	if len(parts) != n {
		return false
	}
	for _, p := range parts {
		if strings.TrimSpace(p) == "" || p != strings.TrimSpace(p) {
			return false
		}
	}
	return true
}

// list reports whether v is non-empty items separated by commas.
func list(v string) bool {
	for p := range strings.SplitSeq(v, ",") {
		if strings.TrimSpace(p) == "" {
			return false
		}
	}
	return true
}

func jsonContent(r *http.Request) bool {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/json")
}

// answer is the registry's answer about rnokpp (or the plot cadastral).
func (s *Simulator) answer(code, rnokpp, cadastral string) (int, any) {
	if code == registries.CodeLand && cadastral != "" {
		if rnokpp != "" {
			return http.StatusBadRequest, errorBody("BAD_REQUEST", "Вкажіть кадастровий номер або РНОКПП, не обидва")
		}
		if !registries.ValidCadastralNumber(cadastral) {
			return http.StatusBadRequest, errorBody("INVALID_CADASTRAL_NUMBER", "Кадастровий номер має вигляд NNNNNNNNNN:NN:NNN:NNNN")
		}
		for _, p := range s.people {
			for _, plot := range p.plots {
				if plot.CadastralNumber == cadastral {
					return http.StatusOK, map[string]any{"plots": []registries.LandPlot{plot}}
				}
			}
		}
		return http.StatusNotFound, errorBody(registries.CodeNotFound, "Земельну ділянку "+cadastral+" не знайдено")
	}
	if !ukid.ValidRNOKPP(rnokpp) {
		return http.StatusBadRequest, errorBody("INVALID_RNOKPP", "РНОКПП має складатися з 10 цифр з правильною контрольною")
	}
	p, ok := s.people[rnokpp]
	if !ok {
		return http.StatusNotFound, errorBody(registries.CodeNotFound, "Особу з РНОКПП "+rnokpp+" у реєстрі не знайдено")
	}
	switch code {
	case registries.CodeResidents:
		return http.StatusOK, p.residence
	case registries.CodeVehicles:
		return http.StatusOK, map[string]any{"vehicles": nonNil(p.vehicles)}
	case registries.CodeBenefits:
		return http.StatusOK, registries.BenefitsRecord{Categories: nonNil(p.benefits.Categories), Since: p.benefits.Since}
	case registries.CodeLand:
		return http.StatusOK, map[string]any{"plots": nonNil(p.plots)}
	}
	return http.StatusInternalServerError, errorBody("INTERNAL", "unknown registry "+code)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func errorBody(code, message string) registries.RegistryError {
	var e registries.RegistryError
	e.Error.Code, e.Error.Message = code, message
	return e
}

// registryError answers in the registry's own error shape.
func registryError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, errorBody(code, message))
}

// gatewayError answers in the security server's error shape; X-Road also
// names the error in a header.
func gatewayError(w http.ResponseWriter, d registries.Dialect, status int, typ, message string) {
	if d == registries.XRoad {
		w.Header().Set("X-Road-Error", typ)
	}
	writeJSON(w, status, registries.GatewayError{Type: typ, Message: message, Detail: uuid.NewString()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
