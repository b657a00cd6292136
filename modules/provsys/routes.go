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
// services). A new route gets a client id and secret; the secret is kept
// as its SHA-256 only.
func (s *Service) SaveRoute(ctx context.Context, in RouteInput) (*Saved, error) {
	if err := in.check(); err != nil {
		return nil, err
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
		r.Kind, r.Endpoint = in.Kind, strings.TrimSpace(in.Endpoint)
		if cert != nil {
			r.Certificate = cert
		}
		out.Route = *r
		return updateRoute(ctx, tx, r)
	})
	return out, err
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
		r, err = routeByID(ctx, tx, route)
		return err
	})
	return r, secret, err
}

func (in RouteInput) check() error {
	switch in.Kind {
	case Workspace, Pull:
		return nil
	case Webhook:
		u, err := url.Parse(strings.TrimSpace(in.Endpoint))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return ErrEndpoint
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
