package access

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
	"hromada/web"
)

// Console is the administrator's side of access: officials' grants (seed
// 003 §6) and the tenant's policy.
type Console struct {
	svc   *Service
	guard *Guard
	rd    *web.Renderer
	// Register finds or creates the account of the person being granted
	// access (the identity module owns accounts).
	Register func(ctx context.Context, tx pgx.Tx, rnokpp, fullName string) (uuid.UUID, error)
}

// NewConsole returns the console.
func NewConsole(svc *Service, guard *Guard, rd *web.Renderer, register func(ctx context.Context, tx pgx.Tx, rnokpp, fullName string) (uuid.UUID, error)) *Console {
	return &Console{svc: svc, guard: guard, rd: rd, Register: register}
}

// Routes mounts the console:
//
//	GET  /admin/officials                   grants           officials:read
//	POST /admin/officials                   grant            officials:grant
//	POST /admin/officials/{id}/block        block            officials:block
//	POST /admin/officials/{id}/unblock      unblock          officials:grant
//	POST /admin/officials/{id}/revoke       revoke           officials:delete
//	POST /admin/officials/{id}/dismissal    dismissal report access_requests:create (provider head)
//	GET  /admin/policies                    the policy       policies:read
//	POST /admin/policies                    replace it       policies:update
func (c *Console) Routes(r chi.Router) {
	g := c.guard
	// A provider head sees its own provider's officials: ?provider=<id>.
	g.Route(r, http.MethodGet, "/admin/officials", Perm{Object: ObjOfficials, Action: ActRead, Scope: ScopeQuery}, c.handleOfficials)
	g.Route(r, http.MethodPost, "/admin/officials", Perm{Object: ObjOfficials, Action: ActGrant}, c.handleGrant)
	g.Route(r, http.MethodPost, "/admin/officials/{id}/block", Perm{Object: ObjOfficials, Action: ActBlock}, c.handleChange("block"))
	g.Route(r, http.MethodPost, "/admin/officials/{id}/unblock", Perm{Object: ObjOfficials, Action: ActGrant}, c.handleChange("unblock"))
	g.Route(r, http.MethodPost, "/admin/officials/{id}/revoke", Perm{Object: ObjOfficials, Action: ActDelete}, c.handleChange("revoke"))
	g.Route(r, http.MethodPost, "/admin/officials/{id}/dismissal", Perm{Object: ObjAccessRequests, Action: ActCreate, Scope: ScopeOfRow("id", grantProvider)}, c.handleChange("dismissal"))
	g.Route(r, http.MethodGet, "/admin/policies", Perm{Object: ObjPolicies, Action: ActRead}, c.handlePolicies)
	g.Route(r, http.MethodPost, "/admin/policies", Perm{Object: ObjPolicies, Action: ActUpdate}, c.handlePoliciesPost)
}

// GrantRow is a grant as the console lists it.
type GrantRow struct {
	Grant
	FullName     string
	RNOKPP       string
	ProviderName string
}

type grantForm struct {
	RNOKPP, FullName, Role, Provider, Reason string
}

type officialsData struct {
	Grants    []GrantRow
	Providers []Provider
	Roles     []string
	Form      grantForm
	Errors    map[string]string
	Flash     string
	// ProviderScope is set when the page shows one provider's officials
	// (a provider head's view: dismissal reports, no grant form).
	ProviderScope string
}

// ScopeQuery is QueryProvider as a route's scope.
func ScopeQuery(_ context.Context, _ pgx.Tx, r *http.Request) (string, error) {
	return QueryProvider(r), nil
}

// QueryProvider is the provider a page is asked for (?provider=), "" for
// all: the scope of a provider-scoped page.
func QueryProvider(r *http.Request) string {
	if id, err := uuid.Parse(r.URL.Query().Get("provider")); err == nil {
		return id.String()
	}
	return ""
}

// grantProvider is the provider of the grant in the path: the scope a
// provider head's dismissal report is checked at.
func grantProvider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p *uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT provider_id FROM access_grants WHERE id = $1`, id).Scan(&p); err != nil || p == nil {
		return uuid.Nil, err
	}
	return *p, nil
}

func (c *Console) actor(r *http.Request) uuid.UUID {
	s, _ := c.guard.Subject(r)
	return s.AccountID
}

func (c *Console) renderOfficials(w http.ResponseWriter, r *http.Request, status int, d officialsData) {
	ctx := r.Context()
	f := GrantFilter{IncludeRevoked: true}
	if p := QueryProvider(r); p != "" {
		id := uuid.MustParse(p)
		f.ProviderID = &id
		d.ProviderScope = p
	}
	grants, err := c.svc.ListGrants(ctx, c.actor(r), f)
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	err = c.svc.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if d.Providers, err = Providers(ctx, tx); err != nil {
			return err
		}
		d.Grants, err = describeGrants(ctx, tx, grants)
		return err
	})
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	d.Roles = []string{RoleOfficial, RoleProviderHead, RoleAdministrator, RoleDispatcher, RoleOwner, RoleAuditor}
	c.rd.Render(w, r, status, "admin/officials", &web.Page{TitleKey: "admin.officials", Data: d})
}

func (c *Console) handleOfficials(w http.ResponseWriter, r *http.Request) {
	var flash string
	if k := r.URL.Query().Get("done"); k != "" {
		flash = c.rd.Localizer(r).T("admin.done_" + k)
	}
	c.renderOfficials(w, r, http.StatusOK, officialsData{Flash: flash})
}

func (c *Console) handleGrant(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	f := grantForm{
		RNOKPP: strings.TrimSpace(r.PostForm.Get("rnokpp")), FullName: strings.TrimSpace(r.PostForm.Get("full_name")),
		Role: r.PostForm.Get("role"), Provider: r.PostForm.Get("provider"), Reason: strings.TrimSpace(r.PostForm.Get("reason")),
	}
	var provider *uuid.UUID
	if f.Provider != "" {
		id, err := uuid.Parse(f.Provider)
		if err != nil {
			c.formError(w, r, f, "provider", ErrProviderNotFound)
			return
		}
		provider = &id
	}
	var account uuid.UUID
	err := c.svc.db.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		var err error
		account, err = c.Register(ctx, tx, f.RNOKPP, f.FullName)
		return err
	})
	if err != nil {
		c.formError(w, r, f, "rnokpp", err)
		return
	}
	if _, err := c.svc.Grant(r.Context(), c.actor(r), account, f.Role, provider, f.Reason); err != nil {
		c.formError(w, r, f, fieldOf(err), err)
		return
	}
	http.Redirect(w, r, "/admin/officials?done=grant", http.StatusSeeOther)
}

// fieldOf names the form field an error is about.
func fieldOf(err error) string {
	switch {
	case errors.Is(err, ErrUnknownRole), errors.Is(err, ErrRoleConflict), errors.Is(err, ErrGrantExists), errors.Is(err, ErrSelf):
		return "role"
	case errors.Is(err, ErrProviderRequired), errors.Is(err, ErrProviderNotAllowed), errors.Is(err, ErrProviderNotFound):
		return "provider"
	case errors.Is(err, ErrReasonRequired):
		return "reason"
	}
	return "rnokpp"
}

func (c *Console) formError(w http.ResponseWriter, r *http.Request, f grantForm, field string, err error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code == apperr.Internal {
		c.rd.Error(w, r, err)
		return
	}
	l := c.rd.Localizer(r)
	c.renderOfficials(w, r, apperr.Status(ae.Code), officialsData{Form: f, Errors: map[string]string{field: l.Message(ae.Key, ae.Args)}})
}

func (c *Console) handleChange(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			c.rd.Error(w, r, err)
			return
		}
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			c.rd.Error(w, r, ErrGrantNotFound)
			return
		}
		ctx, actor, reason := r.Context(), c.actor(r), strings.TrimSpace(r.PostForm.Get("reason"))
		switch action {
		case "block":
			var until *time.Time
			if v := r.PostForm.Get("until"); v != "" {
				d, perr := time.ParseInLocation("2006-01-02", v, tenant.Zone)
				if perr != nil {
					c.rd.Error(w, r, ErrBlockUntilPast)
					return
				}
				until = &d
			}
			_, err = c.svc.Block(ctx, actor, id, until, reason)
		case "unblock":
			_, err = c.svc.Unblock(ctx, actor, id, reason)
		case "revoke":
			_, err = c.svc.Revoke(ctx, actor, id, reason)
		case "dismissal":
			_, err = c.svc.ReportDismissal(ctx, actor, id)
		}
		if err != nil {
			c.rd.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/officials?done="+action, http.StatusSeeOther)
	}
}

type policiesData struct {
	Rules   []Rule
	Version int64
	History []PolicyVersion
	Text    string // the editor's content
	Error   string
	Objects []string
	Actions []string
	Roles   []string
	Saved   bool
}

func (c *Console) renderPolicies(w http.ResponseWriter, r *http.Request, status int, d policiesData) {
	rules, version, err := c.svc.Policies(r.Context())
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	hist, err := c.svc.PolicyHistory(r.Context())
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	d.Rules, d.Version, d.History = rules, version, hist
	if d.Text == "" {
		d.Text = FormatRules(rules)
	}
	d.Objects, d.Actions, d.Roles = Objects, Actions, Roles
	c.rd.Render(w, r, status, "admin/policies", &web.Page{TitleKey: "admin.policies", Data: d})
}

func (c *Console) handlePolicies(w http.ResponseWriter, r *http.Request) {
	c.renderPolicies(w, r, http.StatusOK, policiesData{Saved: r.URL.Query().Get("saved") != ""})
}

func (c *Console) handlePoliciesPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	text := r.PostForm.Get("rules")
	rules, err := ParseRules(text)
	if err == nil {
		_, err = c.svc.ReplacePolicies(r.Context(), c.actor(r), rules, r.PostForm.Get("summary"))
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code != apperr.Internal {
		c.renderPolicies(w, r, apperr.Status(ae.Code), policiesData{Text: text, Error: c.rd.Localizer(r).Message(ae.Key, ae.Args)})
		return
	}
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/policies?saved=1", http.StatusSeeOther)
}

// FormatRules writes rules one a line: "role, object, action, scope, effect".
func FormatRules(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseRules reads what FormatRules writes; blank lines and lines starting
// with # are skipped.
func ParseRules(text string) ([]Rule, error) {
	var out []Rule
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != 5 {
			return nil, ErrInvalidRule.With(map[string]any{"Rule": line})
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		out = append(out, Rule{Role: f[0], Object: f[1], Action: f[2], Scope: f[3], Effect: f[4]})
	}
	return out, nil
}

// describeGrants adds names to grants for the console.
func describeGrants(ctx context.Context, tx pgx.Tx, gs []Grant) ([]GrantRow, error) {
	rows, err := tx.Query(ctx, `SELECT id, full_name, rnokpp FROM accounts WHERE id = ANY($1)`, grantAccounts(gs))
	if err != nil {
		return nil, err
	}
	type person struct{ name, rnokpp string }
	people := map[uuid.UUID]person{}
	for rows.Next() {
		var id uuid.UUID
		var p person
		if err := rows.Scan(&id, &p.name, &p.rnokpp); err != nil {
			return nil, err
		}
		people[id] = p
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	provs, err := Providers(ctx, tx)
	if err != nil {
		return nil, err
	}
	names := map[uuid.UUID]string{}
	for _, p := range provs {
		names[p.ID] = p.NameUK
	}
	out := make([]GrantRow, 0, len(gs))
	for _, g := range gs {
		row := GrantRow{Grant: g, FullName: people[g.AccountID].name, RNOKPP: people[g.AccountID].rnokpp}
		if g.ProviderID != nil {
			row.ProviderName = names[*g.ProviderID]
		}
		out = append(out, row)
	}
	return out, nil
}

func grantAccounts(gs []Grant) []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(gs))
	for _, g := range gs {
		ids = append(ids, g.AccountID)
	}
	return ids
}
