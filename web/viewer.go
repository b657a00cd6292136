package web

import (
	"context"
	"sync"
)

// Viewer is who is looking at a page, as the layout shows them: the
// identity module puts it in the context after the session is loaded (web
// cannot import modules, so the module hands this small value down).
type Viewer struct {
	Name   string // full name, as shown in the header
	OrgFor string // for a legal entity's representative: the organisation

	mu    sync.Mutex
	roles []string
	known bool
	load  func() []string
}

// NewViewer returns the viewer called name (acting for org, if any) whose
// roles load reads when a page first asks for them: most staff pages are
// behind the access guard, which has read the roles in its own transaction
// and hands them over with SetRoles, so the roles cost no transaction of
// their own there.
func NewViewer(name, org string, load func() []string) *Viewer {
	return &Viewer{Name: name, OrgFor: org, load: load}
}

// Roles are the viewer's roles in this tenant beyond resident, for the
// links to the workspaces they may open; read once, on first use.
func (v *Viewer) Roles() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.known && v.load != nil {
		v.roles, v.known = v.load(), true
	}
	return v.roles
}

// SetRoles gives the viewer roles already read (by the guard, in its
// decision), so that Roles reads nothing.
func (v *Viewer) SetRoles(roles []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.roles, v.known = roles, true
}

type viewerKey struct{}

// WithViewer returns ctx carrying v.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer in ctx, or nil for an anonymous visitor.
func ViewerFrom(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}
