package provsys

import (
	"context"
	"crypto/x509"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
)

// ProviderRoute is a provider with its default route and its services'
// own routes, as the console shows it.
type ProviderRoute struct {
	Provider catalog.Provider
	Route    *Route // nil: the workspace, never configured
	// CertSubject names the registered certificate's holder.
	CertSubject string
	// Services are the provider's published services, to choose one for
	// a route of its own.
	Services []catalog.ServiceRef
	// ServiceRoutes are the routes of single services, which win over
	// Route for their applications.
	ServiceRoutes []ServiceRoute
}

// ServiceRoute is one service's own route.
type ServiceRoute struct {
	Route
	Service     catalog.ServiceRef
	CertSubject string
}

// certSubject names the holder of a route's registered certificate.
func certSubject(r *Route) string {
	if r == nil || r.Certificate == nil {
		return ""
	}
	c, err := x509.ParseCertificate(r.Certificate)
	if err != nil {
		return ""
	}
	return c.Subject.String()
}

// Overview is the administrator's and dispatcher's page: the providers'
// routes and the deliveries that need an eye (failed, waiting, retried)
// and the latest delivered.
type Overview struct {
	Providers []ProviderRoute
	Attention []Delivery // failed, retrying, waiting or sending
	Recent    []Delivery // the latest delivered
}

// overviewLimit is how many rows each list of the overview holds.
const overviewLimit = 50

// Overview reads the console's page in one transaction.
func (s *Service) Overview(ctx context.Context) (*Overview, error) {
	var o Overview
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		ps, err := catalog.Providers(ctx, tx)
		if err != nil {
			return err
		}
		rs, err := routes(ctx, tx)
		if err != nil {
			return err
		}
		byProvider, byService := map[uuid.UUID]*Route{}, map[uuid.UUID]*Route{}
		for i := range rs {
			if rs[i].ServiceID == nil {
				byProvider[rs[i].ProviderID] = &rs[i]
			} else {
				byService[*rs[i].ServiceID] = &rs[i]
			}
		}
		for _, p := range ps {
			pr := ProviderRoute{Provider: p, Route: byProvider[p.ID]}
			pr.CertSubject = certSubject(pr.Route)
			if pr.Services, err = catalog.ProviderServices(ctx, tx, p.ID); err != nil {
				return err
			}
			for _, sv := range pr.Services {
				if r := byService[sv.ID]; r != nil {
					pr.ServiceRoutes = append(pr.ServiceRoutes, ServiceRoute{Route: *r, Service: sv, CertSubject: certSubject(r)})
				}
			}
			o.Providers = append(o.Providers, pr)
		}
		if o.Attention, err = collectDeliveries(tx.Query(ctx, `SELECT `+deliveryColumns+` FROM provsys_deliveries
			WHERE status <> 'delivered' ORDER BY status = 'failed' DESC, seq DESC LIMIT $1`, overviewLimit)); err != nil {
			return err
		}
		o.Recent, err = collectDeliveries(tx.Query(ctx, `SELECT `+deliveryColumns+` FROM provsys_deliveries
			WHERE status = 'delivered' ORDER BY seq DESC LIMIT $1`, overviewLimit))
		return err
	})
	return &o, err
}
