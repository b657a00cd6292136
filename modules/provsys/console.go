package provsys

import (
	"context"
	"crypto/x509"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
)

// ProviderRoute is a provider with its default route, as the console
// shows it.
type ProviderRoute struct {
	Provider catalog.Provider
	Route    *Route // nil: the workspace, never configured
	// CertSubject names the registered certificate's holder.
	CertSubject string
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
		byProvider := map[uuid.UUID]*Route{}
		for i := range rs {
			if rs[i].ServiceID == nil {
				byProvider[rs[i].ProviderID] = &rs[i]
			}
		}
		for _, p := range ps {
			pr := ProviderRoute{Provider: p, Route: byProvider[p.ID]}
			if pr.Route != nil && pr.Route.Certificate != nil {
				if c, err := x509.ParseCertificate(pr.Route.Certificate); err == nil {
					pr.CertSubject = c.Subject.String()
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
