package main

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/applications"
	"hromada/modules/audit"
	"hromada/modules/identity"
)

// auditApplication records an application's transitions and every staff
// view of it, in the change's transaction.
func (a *App) auditApplication(ctx context.Context, tx pgx.Tx, action string, app *applications.Application, actor uuid.UUID) error {
	name := ""
	if sg := identity.SignedFrom(ctx); sg != nil {
		name = sg.FullName
	}
	_, err := a.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: actor.String(), Name: name}, Action: "application." + action,
		ObjectType: "application", ObjectID: app.ID.String(), Details: map[string]any{"number": app.Number, "status": string(app.Status), "service": app.ServiceCode}})
	return err
}
