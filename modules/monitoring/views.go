package monitoring

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// Views counts views of services' cards without personal data: a count
// per city, service and local day, nothing of who looked. CardViewed only
// adds to a map under a mutex, so the catalog's page never waits on the
// database; Flush (every FlushEvery, and once more on shutdown) adds the
// counts to service_card_views, one transaction per city. A count whose
// flush failed is put back and tried again with the next one.
type Views struct {
	db  *tenant.DB
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	pending map[viewKey]int64
	cities  map[uuid.UUID]*tenant.Tenant
}

type viewKey struct {
	tenant, service uuid.UUID
	day             string // YYYY-MM-DD, local
}

// FlushEvery is how often the counted views are written.
const FlushEvery = time.Minute

// NewViews returns an empty counter writing to db; now nil: time.Now.
func NewViews(db *tenant.DB, log *slog.Logger, now func() time.Time) *Views {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Views{db: db, log: log, now: now, pending: map[viewKey]int64{}, cities: map[uuid.UUID]*tenant.Tenant{}}
}

// CardViewed counts one view of service's card in the city in ctx. It
// never fails the page: without a city in ctx it counts nothing.
func (v *Views) CardViewed(ctx context.Context, service uuid.UUID) {
	t, err := tenant.From(ctx)
	if err != nil {
		return
	}
	k := viewKey{tenant: t.ID, service: service, day: v.now().In(tenant.Zone).Format(time.DateOnly)}
	v.mu.Lock()
	v.pending[k]++
	v.cities[t.ID] = t
	v.mu.Unlock()
}

// Flush writes the counted views, city by city; the counts of a city
// whose write failed stay pending, and the first error is returned.
func (v *Views) Flush(ctx context.Context) error {
	v.mu.Lock()
	batch, cities := v.pending, v.cities
	v.pending, v.cities = map[viewKey]int64{}, map[uuid.UUID]*tenant.Tenant{}
	v.mu.Unlock()
	per := map[uuid.UUID]map[viewKey]int64{}
	for k, n := range batch {
		if per[k.tenant] == nil {
			per[k.tenant] = map[viewKey]int64{}
		}
		per[k.tenant][k] = n
	}
	var first error
	for id, counts := range per {
		err := v.db.Tx(tenant.With(ctx, cities[id]), func(ctx context.Context, tx pgx.Tx) error {
			for k, n := range counts {
				// A service removed since it was viewed takes its views with it.
				if _, err := tx.Exec(ctx, `INSERT INTO service_card_views (tenant_id, service_id, day, views, updated_at)
					SELECT app_tenant_id(), id, $2, $3, now() FROM services WHERE id = $1
					ON CONFLICT (tenant_id, service_id, day) DO UPDATE SET views = service_card_views.views + EXCLUDED.views, updated_at = now()`,
					k.service, k.day, n); err != nil {
					return fmt.Errorf("monitoring: card views of %s: %w", k.service, err)
				}
			}
			return nil
		})
		if err != nil {
			v.restore(counts, cities[id])
			if first == nil {
				first = err
			}
		}
	}
	return first
}

func (v *Views) restore(counts map[viewKey]int64, t *tenant.Tenant) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for k, n := range counts {
		v.pending[k] += n
	}
	v.cities[t.ID] = t
}

// Run flushes every FlushEvery until ctx ends. The last counts are the
// caller's to flush once the requests have drained (Flush).
func (v *Views) Run(ctx context.Context) {
	tick := time.NewTicker(FlushEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := v.Flush(ctx); err != nil {
				v.log.Error("monitoring: flush of card views", "err", err)
			}
		}
	}
}
