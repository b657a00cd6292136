package audit

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/tenant"
	"hromada/web"
)

// securityKinds are the kinds the security page's filter offers.
var securityKinds = []string{KindSigninFailed, KindAccessDenied, KindCrossTenant, KindPolicyChanged,
	KindAccessGranted, KindAccessBlocked, KindLockout, KindUnlocked, KindSignatureRefused}

// securityForm is the security page's filter as typed.
type securityForm struct {
	Kind, Person, From, To string
}

type securityData struct {
	SecurityView
	Form    securityForm
	Kinds   []string
	Errors  map[string]string // an unlock's comment error, by its field's id
	Comment map[string]string // the comment typed, by its field's id
	Flash   string
	// The lockout policy in force, as people read it.
	BaseMinutes, MaxMinutes int
	// Window is how long attempts are remembered, in hours when whole,
	// else in minutes («12 год», «90 хв»).
	Window string
	// The policy's form: the policy in force, or what was typed with the
	// errors of its fields (by field name).
	PolicyForm   PolicyForm
	PolicyErrors map[string]string
}

func readSecurityFilter(q url.Values) (SecurityFilter, securityForm) {
	f := securityForm{Kind: q.Get("kind"), Person: q.Get("person"), From: q.Get("from"), To: q.Get("to")}
	flt := SecurityFilter{Limit: 200}
	if slices.Contains(securityKinds, f.Kind) {
		flt.Kind = f.Kind
	} else {
		f.Kind = ""
	}
	if id, err := uuid.Parse(f.Person); err == nil {
		flt.Person = id
	} else {
		f.Person = ""
	}
	if t, err := time.ParseInLocation("2006-01-02", f.From, tenant.Zone); err == nil {
		flt.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", f.To, tenant.Zone); err == nil {
		flt.To = t.AddDate(0, 0, 1) // the whole last day
	}
	return flt, f
}

func (c *Console) handleSecurity(w http.ResponseWriter, r *http.Request) {
	var flash string
	switch r.URL.Query().Get("done") {
	case "unlock":
		flash = c.rd.Localizer(r).T("lockout.done_unlock")
	case "policy":
		flash = c.rd.Localizer(r).T("lockout.done_policy")
	}
	c.renderSecurity(w, r, http.StatusOK, securityData{Flash: flash})
}

func (c *Console) renderSecurity(w http.ResponseWriter, r *http.Request, status int, d securityData) {
	flt, form := readSecurityFilter(r.URL.Query())
	v, err := c.svc.Security(r.Context(), flt)
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	d.SecurityView, d.Form, d.Kinds = v, form, securityKinds
	d.BaseMinutes, d.MaxMinutes = int(v.Policy.BaseDelay/time.Minute), int(v.Policy.MaxDelay/time.Minute)
	l := c.rd.Localizer(r)
	if w := v.Policy.Window; w%time.Hour == 0 {
		d.Window = l.T("lockout.n_hours", "N", int(w/time.Hour))
	} else {
		d.Window = l.T("lockout.n_minutes", "N", int(w/time.Minute))
	}
	if d.PolicyErrors == nil {
		d.PolicyForm = FormOf(v.Policy)
	}
	c.rd.Render(w, r, status, "admin/security", &web.Page{TitleKey: "admin.security", Data: d})
}

func (c *Console) handleUnlock(w http.ResponseWriter, r *http.Request) {
	account, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		c.rd.Error(w, r, ErrNotLocked)
		return
	}
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	comment := r.PostForm.Get("comment")
	err = c.svc.Unlock(r.Context(), access.SubjectOf(r).AccountID, account, comment)
	var ae *apperr.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/security?done=unlock", http.StatusSeeOther)
	case errors.Is(err, ErrUnlockComment) && errors.As(err, &ae):
		field := "comment-" + account.String()
		c.renderSecurity(w, r, apperr.Status(ae.Code), securityData{
			Errors:  map[string]string{field: c.rd.Localizer(r).Message(ae.Key, ae.Args)},
			Comment: map[string]string{field: strings.TrimSpace(comment)},
		})
	default:
		c.rd.Error(w, r, err)
	}
}

func (c *Console) handlePolicy(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	f := PolicyForm{Threshold: r.PostForm.Get("threshold"), BaseMinutes: r.PostForm.Get("base_minutes"),
		MaxMinutes: r.PostForm.Get("max_minutes"), WindowMinutes: r.PostForm.Get("window_minutes")}
	err := c.svc.SetAccountPolicy(r.Context(), access.SubjectOf(r).AccountID, f)
	var errs PolicyErrors
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/security?done=policy", http.StatusSeeOther)
	case errors.As(err, &errs):
		l := c.rd.Localizer(r)
		msgs := map[string]string{}
		for field, e := range errs {
			msgs[field] = l.Message(e.Key, e.Args)
		}
		c.renderSecurity(w, r, http.StatusBadRequest, securityData{PolicyForm: f, PolicyErrors: msgs})
	default:
		c.rd.Error(w, r, err)
	}
}
