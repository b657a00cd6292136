package onboarding

import (
	"context"

	"github.com/jackc/pgx/v5"

	"hromada/tenant"
	"hromada/web"
)

// Item is one step of setting a new city up: done or not, computed from
// the city's data at every read, never ticked by hand.
type Item struct {
	Code string // signin, providers, services, centres, officials, branding, publication
	Done bool
	Href string // where an administrator does it; "" when it is done elsewhere (the operator, an import)
}

// Checklist is the administrator's list of what a new city still lacks.
type Checklist struct {
	Items []Item
}

// Done counts the items done.
func (c *Checklist) Done() int {
	n := 0
	for _, it := range c.Items {
		if it.Done {
			n++
		}
	}
	return n
}

// Complete reports whether every item is done.
func (c *Checklist) Complete() bool { return c.Done() == len(c.Items) }

// View pairs the checklist with the page's localizer, for the
// "onboarding_checklist" partial (web/templates/_onboarding_checklist.html):
//
//	{{template "onboarding_checklist" ($d.Checklist.In .L .Can)}}
type View struct {
	*Checklist
	L *web.Localizer
	// Can links an item only where the viewer may open its page (the
	// page's own question to the guard), so no link answers 403.
	Can *web.Can
}

// In returns the View of c in l's language, its links as can allows.
func (c *Checklist) In(l *web.Localizer, can *web.Can) View {
	return View{Checklist: c, L: l, Can: can}
}

// Checklist reads what the tenant in ctx has set up, in one read-only
// transaction. The branding item is read from the tenant itself (the
// operator sets it): a coat of arms and a phone or e-mail for residents.
func (s *Service) Checklist(ctx context.Context) (*Checklist, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	var st setup
	if err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		st, err = readSetup(ctx, tx)
		return err
	}); err != nil {
		s.log.ErrorContext(ctx, "onboarding: checklist", "error", err)
		return nil, err
	}
	c := t.Branding.Contacts
	return &Checklist{Items: []Item{
		{Code: "signin", Done: st.signIn, Href: "/admin/identity-providers"},
		{Code: "providers", Done: st.providers, Href: "/admin/register"},
		{Code: "services", Done: st.services, Href: "/admin/services"},
		{Code: "centres", Done: st.centres, Href: "/admin/register"},
		{Code: "officials", Done: st.officials, Href: "/admin/officials"},
		{Code: "branding", Done: t.Branding.CoatOfArms != "" && (c.Phone != "" || c.Email != ""), Href: "/admin/branding"},
		{Code: "publication", Done: st.published, Href: "/admin/revisions"},
	}}, nil
}
