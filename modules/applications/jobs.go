package applications

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/tenant"
)

// NewAutomaticWorker takes applications handed to automatic mode. Until a
// service has a rule set and registry checks (the automatic-mode module),
// automatic mode is not possible, and the application goes to the
// provider's officials with that reason (seed 003 §5.6): never lost, never
// decided without grounds.
func NewAutomaticWorker(db *tenant.DB) *tenant.Worker[AutomaticArgs] {
	return tenant.NewWorker(db, func(ctx context.Context, tx pgx.Tx, job *river.Job[AutomaticArgs]) error {
		app, err := applicationByID(ctx, tx, job.Args.ApplicationID, true)
		if err != nil {
			return err
		}
		var routed bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM application_events WHERE application_id = $1
			AND from_status = 'received' AND to_status = 'received' AND actor_kind = 'system')`, app.ID).Scan(&routed); err != nil {
			return err
		}
		if app.Status != Received || routed {
			return nil // already moved on: a repeated job does nothing twice
		}
		if err := addEvent(ctx, tx, app.ID, Received, Received, System, nil, "",
			"Автоматичний режим для цієї послуги ще не налаштовано (немає правил і перевірок у реєстрах): заяву передано посадовим особам надавача."); err != nil {
			return err
		}
		return newWork(ctx, tx, job.Args.TenantID, app, time.Now())
	})
}
