package web

import "context"

// Viewer is who is looking at a page, as the layout shows them: the
// identity module puts it in the context after the session is loaded (web
// cannot import modules, so the module hands this small value down).
type Viewer struct {
	Name   string // full name, as shown in the header
	OrgFor string // for a legal entity's representative: the organisation
	// Roles are the viewer's roles in this tenant beyond resident, for the
	// links to the workspaces they may open.
	Roles []string
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
