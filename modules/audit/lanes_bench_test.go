package audit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"hromada/modules/audit"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// BenchmarkHeldAppendsOfOneCity is what the lanes are for, without the
// rest of a submission: 16 clients of one city each append a record and
// then hold their transaction open for 5 ms (the rest of a submission's
// transaction after its audit lock: round trips and the commit), all in
// one lane (the log before the lanes) or each in its transaction's lane.
// With one lane the city commits at most one record per hold; with the
// lanes up to eight at once. The CPU it takes is small: the hold is a
// sleep. Run it alone:
//
//	go test -run '^$' -bench HeldAppends -benchtime 400x ./modules/audit/
func BenchmarkHeldAppendsOfOneCity(b *testing.B) {
	const clients, hold = 16, 5 * time.Millisecond
	db := tenanttest.New(b)
	ctx := tenant.With(b.Context(), tenanttest.NewTenant(b, db))
	for _, bc := range []struct {
		name string
		svc  *audit.Service
	}{{"OneLane", audit.InLane(0)}, {"Lanes", audit.New(nil, nil)}} {
		b.Run(bc.name, func(b *testing.B) {
			work := make(chan int)
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			b.ResetTimer()
			for range clients {
				wg.Go(func() {
					for i := range work {
						err := db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
							if _, err := bc.svc.Record(ctx, tx, event(i)); err != nil {
								return err
							}
							time.Sleep(hold)
							return nil
						})
						if err != nil {
							errs <- err
							return
						}
					}
				})
			}
			for i := range b.N {
				work <- i
			}
			close(work)
			wg.Wait()
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
