package access

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/tenant"
	"hromada/web"
)

// Console is the administrator's side of access: officials' grants (seed
// 003 §6), the provider heads' access requests and the tenant's policy.
type Console struct {
	svc *Service
	rd  *web.Renderer
}

// NewConsole returns the console over svc.
func NewConsole(svc *Service, rd *web.Renderer) *Console {
	return &Console{svc: svc, rd: rd}
}

// Routes mounts the console, every route behind g:
//
//	GET  /admin/officials                   grants           officials:read
//	POST /admin/officials                   grant            officials:grant
//	POST /admin/officials/{id}/block        block            officials:block
//	POST /admin/officials/{id}/unblock      unblock          officials:grant
//	POST /admin/officials/{id}/revoke       revoke           officials:delete
//	POST /admin/officials/{id}/dismissal    dismissal report access_requests:create (provider head)
//	GET  /admin/policies                    the policy       policies:read
//	POST /admin/policies                    replace it       policies:update
//	GET  /admin/access-requests            the list           access_requests:read (?provider= for a head)
//	GET  /admin/access-requests/new        the form           access_requests:create at ?provider=
//	POST /admin/access-requests            file one           access_requests:create at the form's provider
//	POST /admin/access-requests/{id}/grant    grant it        access_requests:approve
//	POST /admin/access-requests/{id}/reject   reject it       access_requests:approve
func (c *Console) Routes(r chi.Router, g *Guard) {
	// A provider head sees its own provider's officials: ?provider=<id>.
	g.Route(r, http.MethodGet, "/admin/officials", Perm{Object: ObjOfficials, Action: ActRead, Scope: ScopeQuery}, c.handleOfficials)
	g.Route(r, http.MethodPost, "/admin/officials", Perm{Object: ObjOfficials, Action: ActGrant}, c.handleGrant)
	g.Route(r, http.MethodPost, "/admin/officials/{id}/block", Perm{Object: ObjOfficials, Action: ActBlock}, c.handleChange("block"))
	g.Route(r, http.MethodPost, "/admin/officials/{id}/unblock", Perm{Object: ObjOfficials, Action: ActGrant}, c.handleChange("unblock"))
	g.Route(r, http.MethodPost, "/admin/officials/{id}/revoke", Perm{Object: ObjOfficials, Action: ActDelete}, c.handleChange("revoke"))
	g.Route(r, http.MethodPost, "/admin/officials/{id}/dismissal", Perm{Object: ObjAccessRequests, Action: ActCreate, Scope: ScopeOfRow("id", grantProvider)}, c.handleChange("dismissal"))
	g.Route(r, http.MethodGet, "/admin/policies", Perm{Object: ObjPolicies, Action: ActRead}, c.handlePolicies)
	g.Route(r, http.MethodPost, "/admin/policies", Perm{Object: ObjPolicies, Action: ActUpdate}, c.handlePoliciesPost)

	g.Route(r, http.MethodGet, "/admin/access-requests", Perm{Object: ObjAccessRequests, Action: ActRead, Scope: ScopeQuery}, c.handleRequests)
	g.Route(r, http.MethodGet, "/admin/access-requests/new", Perm{Object: ObjAccessRequests, Action: ActCreate, Scope: ScopeQuery}, c.handleRequestForm)
	g.Route(r, http.MethodPost, "/admin/access-requests", Perm{Object: ObjAccessRequests, Action: ActCreate, Scope: ScopeForm}, c.handleRequestFile)
	g.Route(r, http.MethodPost, "/admin/access-requests/{id}/grant", Perm{Object: ObjAccessRequests, Action: ActApprove}, c.handleDecide(true))
	g.Route(r, http.MethodPost, "/admin/access-requests/{id}/reject", Perm{Object: ObjAccessRequests, Action: ActApprove}, c.handleDecide(false))
}

// GrantRow is a grant as the console lists it.
type GrantRow struct {
	Grant
	FullName     string
	RNOKPP       string
	ProviderName string
	LockedUntil  *time.Time // the person's staff rights are locked out until then (repeated denials)
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
	// ActionError is a refused block, unblock or revoke: shown beside
	// that official's form, the details open and the field focused.
	ActionError *actionError
	// Self is the signed-in person's account: their own access shows no
	// forms (nobody changes their own access; the form would be refused).
	Self uuid.UUID
}

// actionError is what was wrong with one official's action form.
type actionError struct {
	ID                     uuid.UUID
	Action, Field, Message string
	Until                  string // the date as typed, kept
}

// revokeData is the confirmation asked before revoking access.
type revokeData struct {
	Grant  GrantRow
	Reason string
}

// QueryProvider is the provider a page is asked for (?provider=), "" for
// all: the scope of a provider-scoped page.
func QueryProvider(r *http.Request) string {
	if id, err := uuid.Parse(r.URL.Query().Get("provider")); err == nil {
		return id.String()
	}
	return ""
}

// actorOf is the account the guard let through.
func actorOf(r *http.Request) uuid.UUID { return SubjectOf(r).AccountID }

func (c *Console) renderOfficials(w http.ResponseWriter, r *http.Request, status int, d officialsData) {
	f := GrantFilter{IncludeRevoked: true}
	if p := QueryProvider(r); p != "" {
		id := uuid.MustParse(p)
		f.ProviderID = &id
		d.ProviderScope = p
	}
	var err error
	if d.Grants, d.Providers, err = c.svc.Officials(r.Context(), actorOf(r), f); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	d.Self = actorOf(r)
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
	if _, err := c.svc.GrantPerson(r.Context(), actorOf(r), f.RNOKPP, f.FullName, f.Role, provider, f.Reason); err != nil {
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
		ctx, actor, reason := r.Context(), actorOf(r), strings.TrimSpace(r.PostForm.Get("reason"))
		// A missing reason is said beside the form it was missing from,
		// before anything else is asked (the revocation's confirmation too).
		if action != "dismissal" && reason == "" {
			c.actionError(w, r, id, action, "reason", ErrReasonRequired)
			return
		}
		switch action {
		case "block":
			var until *time.Time
			if v := r.PostForm.Get("until"); v != "" {
				d, perr := time.ParseInLocation("2006-01-02", v, tenant.Zone)
				if perr != nil {
					c.actionError(w, r, id, action, "until", ErrBlockUntilPast)
					return
				}
				until = &d
			}
			_, err = c.svc.Block(ctx, actor, id, until, reason)
			if errors.Is(err, ErrBlockUntilPast) {
				c.actionError(w, r, id, action, "until", err)
				return
			}
		case "unblock":
			_, err = c.svc.Unblock(ctx, actor, id, reason)
		case "revoke":
			// Revoking takes the person's access away at once: the first
			// submit asks to confirm on a page of its own (no script), the
			// second, carrying confirm=yes, revokes.
			if r.PostForm.Get("confirm") != "yes" {
				c.confirmRevoke(w, r, id, reason)
				return
			}
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

// actionError renders the officials page with err beside the action form
// of grant id (a 4xx error the person can correct); anything else is the
// error page.
func (c *Console) actionError(w http.ResponseWriter, r *http.Request, id uuid.UUID, action, field string, err error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code == apperr.Internal {
		c.rd.Error(w, r, err)
		return
	}
	c.renderOfficials(w, r, apperr.Status(ae.Code), officialsData{ActionError: &actionError{
		ID: id, Action: action, Field: field, Message: c.rd.Localizer(r).Message(ae.Key, ae.Args), Until: r.PostForm.Get("until"),
	}})
}

// confirmRevoke asks the administrator to confirm revoking grant id.
func (c *Console) confirmRevoke(w http.ResponseWriter, r *http.Request, id uuid.UUID, reason string) {
	grants, _, err := c.svc.Officials(r.Context(), actorOf(r), GrantFilter{IncludeRevoked: true})
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	for _, g := range grants {
		if g.ID == id {
			if g.Status == StatusRevoked {
				break // revoked already (a second tab): nothing to confirm
			}
			if g.AccountID == actorOf(r) {
				c.rd.Error(w, r, ErrSelf) // as the revocation itself would answer
				return
			}
			c.rd.Render(w, r, http.StatusOK, "admin/officials_revoke", &web.Page{TitleKey: "staff.revoke_title", Data: revokeData{Grant: g, Reason: reason}})
			return
		}
	}
	c.rd.Error(w, r, ErrGrantNotFound)
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
	// ByRole is the current policy in words, role by role.
	ByRole []RolePerms
	// Preview is an edit waiting for the administrator's confirmation.
	Preview *policyPreview
}

// policyPreview is what an edit of the policy changes, shown before it is
// saved; the confirming form carries the text, the summary and the
// version it was compared with.
type policyPreview struct {
	Diff    []RoleDiff
	Summary string
	Base    int64 // the version compared with
	Stale   bool  // the policy changed under the administrator: compared again
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
	d.ByRole = RoleView(rules)
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
	text, summary := r.PostForm.Get("rules"), r.PostForm.Get("summary")
	rules, err := ParseRules(text)
	for i := 0; err == nil && i < len(rules); i++ {
		err = Validate(rules[i])
	}
	var cur []Rule
	var version int64
	if err == nil {
		cur, version, err = c.svc.Policies(r.Context())
	}
	// The first submit shows, role by role, what the edit adds and removes;
	// only the confirming one (confirm=yes, made against the version it
	// was shown) saves. A confirmation made against an older version is
	// shown again against the new one: nobody's change is overwritten
	// unseen, and a double submit saves nothing twice.
	if err == nil {
		base, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
		confirmed := r.PostForm.Get("confirm") == "yes"
		if !confirmed || base != version {
			diff := DiffRules(cur, rules)
			if len(diff) == 0 {
				err = ErrPolicyUnchanged
			} else {
				c.renderPolicies(w, r, http.StatusOK, policiesData{Text: text, Preview: &policyPreview{
					Diff: diff, Summary: summary, Base: version, Stale: confirmed,
				}})
				return
			}
		}
	}
	if err == nil {
		_, err = c.svc.ReplacePolicies(r.Context(), actorOf(r), rules, summary)
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
