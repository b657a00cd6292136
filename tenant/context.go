package tenant

import (
	"context"

	"github.com/google/uuid"
)

type ctxKey struct{}

// With returns ctx carrying t. The HTTP middleware and the job worker call
// it; handlers and services only read the tenant with From.
func With(ctx context.Context, t *Tenant) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// From returns the tenant in ctx, or ErrNoTenant: a missing tenant is an
// error, never a default.
func From(ctx context.Context) (*Tenant, error) {
	t, ok := ctx.Value(ctxKey{}).(*Tenant)
	if !ok || t == nil || t.ID == uuid.Nil {
		return nil, ErrNoTenant
	}
	return t, nil
}
