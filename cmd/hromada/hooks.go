package main

import (
	"context"

	"hromada/modules/applications"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/modules/identity"
)

// auditRevision records a proposal or decision on a service's information.
func (a *App) auditRevision(ctx context.Context, tx pgx.Tx, action string, r *catalog.Revision) error {
	actor := audit.Actor{}
	if sg := identity.SignedFrom(ctx); sg != nil {
		actor = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	}
	_, err := a.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "catalog.revision." + action, ObjectType: "service",
		ObjectID: r.ServiceCode, Details: map[string]any{"revision": r.Number, "status": r.Status, "basis_date": r.BasisDate.Format("2006-01-02")}})
	return err
}

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
