package registries

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/sony/gobreaker/v2"

	"hromada/apperr"
)

// Dialect is the protocol a city's security server speaks for a service.
type Dialect string

// The dialects: Trembita 2.0 is UXP, the government's X-Road implementation;
// some services are still reached through a plain X-Road REST gateway.
const (
	UXP   Dialect = "uxp"
	XRoad Dialect = "xroad"
)

// Our names of the registry services the platform knows how to read. A
// city's registry_services row with one of these codes tells the client
// where that registry is; the typed lookups ask for these codes.
const (
	CodeResidents = "residents" // register of residence (місце проживання)
	CodeVehicles  = "vehicles"  // register of vehicles
	CodeBenefits  = "benefits"  // register of social benefit recipients
	CodeLand      = "land"      // state land cadastre
)

// Service is one registry service as a city reaches it: which security
// server, which service on the exchange (the service's identifier), and as
// whom (the client's identifier, the city's subsystem). It is a row of
// registry_services.
type Service struct {
	ID uuid.UUID
	// Code is our name for the service: residents, vehicles, benefits, land.
	Code    string
	Dialect Dialect
	// BaseURL is the city's security server, e.g. https://ss.kyiv.example:8443;
	// the dialect's path is appended to it.
	BaseURL string
	// The service's identifier on the exchange.
	Instance, MemberClass, MemberCode, Subsystem, ServiceCode, Version string
	// The client's identifier: the city's subsystem registered on the
	// exchange, which the security server's certificate stands for.
	ClientInstance, ClientMemberClass, ClientMemberCode, ClientSubsystem string
	// Timeout bounds one attempt of a query; zero means the client's default.
	Timeout   time.Duration
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ServiceID is the service's identifier as Uxp-Service carries it:
// instance/class/member/subsystem/service/version (version omitted when
// empty, as X-Road REST has none).
func (s Service) ServiceID() string {
	id := strings.Join([]string{s.Instance, s.MemberClass, s.MemberCode, s.Subsystem, s.ServiceCode}, "/")
	if s.Version != "" {
		id += "/" + s.Version
	}
	return id
}

// ClientID is the client's identifier as Uxp-Client and X-Road-Client
// carry it: instance/class/member/subsystem.
func (s Service) ClientID() string {
	return strings.Join([]string{s.ClientInstance, s.ClientMemberClass, s.ClientMemberCode, s.ClientSubsystem}, "/")
}

var (
	codeRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	// An identifier part is one path segment and one slash-separated part
	// of a header: no slash, no space, nothing a header cannot carry.
	partRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
)

// Validate checks a service's configuration before it is stored or used, so
// a typo shows up in the settings form rather than as a refused query.
func (s Service) Validate() error {
	bad := func(format string, args ...any) error {
		return ErrInvalidService.Wrap(fmt.Errorf("registries: service %q: "+format, append([]any{s.Code}, args...)...))
	}
	if !codeRE.MatchString(s.Code) {
		return bad("code must be 1–32 of a–z, 0–9, '_' and '-', starting with a letter")
	}
	if s.Dialect != UXP && s.Dialect != XRoad {
		return bad("dialect must be %q or %q", UXP, XRoad)
	}
	u, err := url.Parse(s.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return bad("base URL must be an http(s) URL without query: %q", s.BaseURL)
	}
	parts := map[string]string{
		"instance": s.Instance, "member class": s.MemberClass, "member code": s.MemberCode,
		"subsystem": s.Subsystem, "service code": s.ServiceCode,
		"client instance": s.ClientInstance, "client member class": s.ClientMemberClass,
		"client member code": s.ClientMemberCode, "client subsystem": s.ClientSubsystem,
	}
	if s.Dialect == UXP || s.Version != "" {
		// UXP names the version in Uxp-Service; X-Road REST has none.
		parts["version"] = s.Version
	}
	for name, v := range parts {
		if !partRE.MatchString(v) {
			return bad("%s %q must be 1–64 of A–Z, a–z, 0–9, '.', '_', ':' and '-'", name, v)
		}
	}
	if s.Timeout < 0 || s.Timeout > 5*time.Minute {
		return bad("timeout %s out of range (0–5m)", s.Timeout)
	}
	return nil
}

// Services is where Client.For finds a tenant's configuration of a
// registry service: the Store in the server, Static in tests and tools.
type Services interface {
	// Service returns the service with our code in ctx's tenant, or
	// ErrNotConfigured.
	Service(ctx context.Context, code string) (Service, error)
}

// Static is a fixed configuration that ignores the tenant: for tests, and
// tools that talk to one security server without a database.
type Static []Service

// Service implements Services.
func (s Static) Service(_ context.Context, code string) (Service, error) {
	for _, svc := range s {
		if svc.Code == code {
			return svc, nil
		}
	}
	return Service{}, ErrNotConfigured.With(map[string]any{"Code": code})
}

// The errors of a query, for errors.Is. Each one returned wraps its cause
// (the HTTP status, the network error, context.DeadlineExceeded …) for the
// log; Reason turns them into a sentence for officials.
var (
	// ErrUnavailable: the registry could not be reached or did not answer
	// in time, answered 5xx or 429 after the retries, the TLS handshake
	// with the security server failed, or the circuit breaker is open.
	ErrUnavailable = apperr.New(apperr.Unavailable, "error.registry_unavailable")
	// ErrBadAnswer: the registry answered, but not with a record we can
	// read (not JSON, wrong shape, too large, missing fields).
	ErrBadAnswer = apperr.New(apperr.Unavailable, "error.registry_bad_answer")
	// ErrNotFound: the registry says it has no such record. Only a 404
	// with the registry's own error body counts; any other 404 is a
	// misconfigured path and is ErrRefused, so a wrong URL never reads as
	// "this person is not registered".
	ErrNotFound = apperr.New(apperr.NotFound, "error.registry_not_found")
	// ErrRefused: the security server or the registry refused the query
	// (a 4xx other than the registry's 404 and 429): the configuration or
	// the city's access rights are wrong; retrying will not help.
	ErrRefused = apperr.New(apperr.Unavailable, "error.registry_refused")
	// ErrNotConfigured: the tenant has no such registry service.
	ErrNotConfigured = apperr.New(apperr.Unavailable, "error.registry_not_configured")
	// ErrInvalidQuery: the query cannot be sent (no purpose, a malformed
	// РНОКПП or cadastral number); nothing left the platform.
	ErrInvalidQuery = apperr.New(apperr.Invalid, "error.registry_invalid_query")
	// ErrInvalidService: a service's configuration is malformed.
	ErrInvalidService = apperr.New(apperr.Invalid, "error.registry_invalid_service")
)

// Causes inside ErrUnavailable that Reason tells apart.
var (
	errTimeout = errors.New("registries: no answer in time")
	errTLS     = errors.New("registries: TLS handshake with the security server failed")
)

// Reason is a sentence in Ukrainian for officials and the automatic
// pipeline's "why manual" list: what went wrong with a registry query, in
// words that say what to do, without internals. It is "" for nil.
func Reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNotConfigured):
		return "Обмін даними з цим реєстром для громади не налаштовано"
	case errors.Is(err, ErrInvalidQuery):
		return "Запит до реєстру складено неправильно: перевірте РНОКПП чи інший ідентифікатор"
	case errors.Is(err, ErrInvalidService):
		return "Налаштування сервісу реєстру містять помилку"
	case errors.Is(err, ErrNotFound):
		return "У реєстрі немає запису про цю особу чи об’єкт"
	case errors.Is(err, ErrBadAnswer):
		return "Реєстр надіслав відповідь, яку не вдалося прочитати"
	case errors.Is(err, ErrRefused):
		return "Реєстр відхилив запит: перевірте налаштування доступу громади до сервісу"
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return "Реєстр тимчасово недоступний: після низки збоїв запити до нього призупинено"
	case errors.Is(err, errTimeout), errors.Is(err, context.DeadlineExceeded):
		return "Реєстр не відповів вчасно"
	case errors.Is(err, errTLS):
		return "Не вдалося встановити захищене з’єднання з шлюзом безпеки: перевірте сертифікати"
	case errors.Is(err, context.Canceled):
		return "Запит до реєстру перервано"
	case errors.Is(err, ErrUnavailable):
		return "Реєстр зараз недоступний"
	}
	return "Не вдалося отримати дані з реєстру"
}

// isTLSFailure reports a handshake that failed on certificates (ours
// refused, theirs untrusted): no retry can fix that.
func isTLSFailure(err error) bool {
	// The peer's alert ("remote error: tls: certificate required") comes as
	// a net.OpError whose Err is crypto/tls's unexported alert type.
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil && strings.HasPrefix(op.Err.Error(), "tls: ") {
		return true
	}
	var alert tls.AlertError
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &alert) || errors.As(err, &verify) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}
