package provsys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/modules/identity"
)

// RouteInput is what the administrator sets.
type RouteInput struct {
	ProviderID uuid.UUID
	ServiceID  *uuid.UUID
	Kind       Kind
	Endpoint   string
	// Certificate is the system's certificate, PEM or DER; empty keeps
	// the one registered.
	Certificate []byte
}

// Saved is a route as saved; Secret is set when a client secret was just
// made (a new route, or a new secret asked for), the one time it is shown.
type Saved struct {
	Route
	Secret string
}

// SaveRoute creates or changes the route of a provider (or of one of its
// services; a removed one comes back). A new route gets a client id and
// secret; the secret is kept as its SHA-256 only.
func (s *Service) SaveRoute(ctx context.Context, in RouteInput) (*Saved, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	if in.Kind == Trembita {
		if err := s.trembitaService(ctx, in.Endpoint); err != nil {
			return nil, err
		}
	}
	var cert []byte
	if len(in.Certificate) > 0 {
		c, err := parseCertificate(in.Certificate)
		if err != nil {
			return nil, ErrCertificate.Wrap(err)
		}
		cert = c.Raw
	}
	out := &Saved{}
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if in.ServiceID != nil {
			if err := serviceOf(ctx, tx, in.ProviderID, *in.ServiceID); err != nil {
				return err
			}
		}
		r, err := routeOf(ctx, tx, in.ProviderID, in.ServiceID, true)
		if errors.Is(err, pgx.ErrNoRows) {
			secret := newSecret()
			out.Secret = secret
			sum := sha256.Sum256([]byte(secret))
			r = &Route{ID: uuid.New(), ProviderID: in.ProviderID, ServiceID: in.ServiceID, ClientID: "hromada-" + uuid.NewString()}
			if err := insertRoute(ctx, tx, r, sum[:]); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		r.Kind, r.Endpoint, r.Removed = in.Kind, strings.TrimSpace(in.Endpoint), nil
		if cert != nil {
			r.Certificate = cert
		}
		out.Route = *r
		if err := updateRoute(ctx, tx, r); err != nil {
			return err
		}
		return s.audit(ctx, tx, r, audit.Event{Action: "provsys.route.save", Details: map[string]any{"kind": string(r.Kind), "endpoint": r.Endpoint,
			"certificate_changed": cert != nil, "new_client": out.Secret != ""}})
	})
	return out, err
}

// RemoveRoute removes a service's own route: the service's applications
// follow its provider's route again. The route is kept, marked removed
// (its deliveries are receipts; its system may still answer for what it
// took). A provider's route is not removed (ErrNotServiceRoute): choosing
// the workspace is what takes its applications back.
func (s *Service) RemoveRoute(ctx context.Context, id uuid.UUID) (*Route, error) {
	var r *Route
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		r, err = removeRoute(ctx, tx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			// Not removed now: no such route, a provider's, or one
			// removed already (a second submit changes nothing).
			if r, err = routeByID(ctx, tx, id); errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			} else if err != nil {
				return err
			}
			if r.ServiceID == nil {
				return ErrNotServiceRoute
			}
			return nil
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, r, audit.Event{Action: "provsys.route.remove", Details: map[string]any{"kind": string(r.Kind)}})
	})
	return r, err
}

// trembitaService checks that code names a service of the city's exchange
// (registry_services), so a typo shows on the form, not as failed
// deliveries.
func (s *Service) trembitaService(ctx context.Context, code string) error {
	if s.o.Trembita == nil {
		return ErrTrembitaService.Wrap(errors.New("provsys: no Trembita client"))
	}
	if _, err := s.o.Trembita.For(ctx, strings.TrimSpace(code)); err != nil {
		return ErrTrembitaService.Wrap(err)
	}
	return nil
}

// serviceOf checks that service is one of provider's published services.
func serviceOf(ctx context.Context, tx pgx.Tx, provider, service uuid.UUID) error {
	list, err := catalog.ProviderServices(ctx, tx, provider)
	if err != nil {
		return err
	}
	for _, sv := range list {
		if sv.ID == service {
			return nil
		}
	}
	return ErrService
}

// audit writes an administrator's change of route r (the action and
// details in e) to the audit log, in its transaction.
func (s *Service) audit(ctx context.Context, tx pgx.Tx, r *Route, e audit.Event) error {
	if s.o.Audit == nil {
		return nil
	}
	if sg := identity.SignedFrom(ctx); sg != nil {
		e.Actor = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	}
	e.ObjectType, e.ObjectID = "provsys_route", r.ID.String()
	e.Details["provider_id"] = r.ProviderID.String()
	if r.ServiceID != nil {
		e.Details["service_id"] = r.ServiceID.String()
	}
	_, err := s.o.Audit.Record(ctx, tx, e)
	return err
}

// NewSecret replaces a route's client secret and returns the route and
// the secret (shown once). The system's tokens issued before stay valid
// until they expire (tokenTTL).
func (s *Service) NewSecret(ctx context.Context, route uuid.UUID) (*Route, string, error) {
	secret := newSecret()
	sum := sha256.Sum256([]byte(secret))
	var r *Route
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := setSecret(ctx, tx, route, sum[:]); err != nil {
			return err
		}
		var err error
		if r, err = routeByID(ctx, tx, route); err != nil {
			return err
		}
		return s.audit(ctx, tx, r, audit.Event{Action: "provsys.route.secret", Details: map[string]any{}})
	})
	return r, secret, err
}

func (in RouteInput) check() error {
	switch in.Kind {
	case Workspace, Pull:
		return nil
	case Webhook, SED:
		u, err := url.Parse(strings.TrimSpace(in.Endpoint))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return ErrEndpoint
		}
		return nil
	case Trembita:
		if strings.TrimSpace(in.Endpoint) == "" {
			return ErrTrembitaService
		}
		return nil
	}
	return ErrMessage
}

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseCertificate reads a PEM or DER certificate.
func parseCertificate(b []byte) (*x509.Certificate, error) {
	if p, _ := pem.Decode(b); p != nil {
		b = p.Bytes
	}
	return x509.ParseCertificate(b)
}
