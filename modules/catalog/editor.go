package catalog

import (
	"context"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/tenant"
	"hromada/web"
)

// Editor is the provider staff's and the administrator's side of the
// register: revisions proposed, published or returned (seed 003 §7.3–7.6).
type Editor struct {
	db    *tenant.DB
	guard *access.Guard
	rd    *web.Renderer
	now   func() time.Time
	// OnChange runs in the transaction of a proposal or a decision (the
	// root audits it); action is "propose", "publish" or "return".
	OnChange func(ctx context.Context, tx pgx.Tx, action string, r *Revision) error
}

// NewEditor returns the editor.
func NewEditor(db *tenant.DB, guard *access.Guard, rd *web.Renderer) *Editor {
	return &Editor{db: db, guard: guard, rd: rd, now: time.Now}
}

// Routes mounts the editor:
//
//	GET  /admin/services                    services (?provider=)        services:read
//	GET  /admin/services/{code}/edit        the revision form            service_revisions:create at its provider
//	POST /admin/services/{code}/revisions   propose                      service_revisions:create at its provider
//	GET  /admin/revisions                   revisions (?provider=, ?service= for one service's history)  service_revisions:read
//	POST /admin/revisions/{id}/publish      publish                      service_revisions:approve at its provider
//	POST /admin/revisions/{id}/return       return with a comment        service_revisions:approve at its provider
func (e *Editor) Routes(r chi.Router) {
	g := e.guard
	g.Route(r, http.MethodGet, "/admin/services", access.Perm{Object: access.ObjServices, Action: access.ActRead, Scope: access.ScopeQuery}, e.handleServices)
	g.Route(r, http.MethodGet, "/admin/services/{code}/edit", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: ScopeService}, e.handleEdit)
	g.Route(r, http.MethodPost, "/admin/services/{code}/revisions", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: ScopeService}, e.handlePropose)
	g.Route(r, http.MethodGet, "/admin/services/new", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: access.ScopeQuery}, e.handleNew)
	g.Route(r, http.MethodPost, "/admin/services/new", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActCreate, Scope: access.ScopeForm}, e.handleCreate)
	g.Route(r, http.MethodGet, "/admin/revisions", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActRead, Scope: access.ScopeQuery}, e.handleRevisions)
	g.Route(r, http.MethodPost, "/admin/revisions/{id}/publish", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: access.ScopeOfRow("id", revisionProvider)}, e.handleDecide(true))
	g.Route(r, http.MethodPost, "/admin/revisions/{id}/return", access.Perm{Object: access.ObjServiceRevisions, Action: access.ActApprove, Scope: access.ScopeOfRow("id", revisionProvider)}, e.handleDecide(false))
}

// ScopeService is the provider of the service whose code is in the path
// ({code}): edits of a service, its form and its rules are checked at it. It
// runs in the guard's decision transaction.
func ScopeService(ctx context.Context, tx pgx.Tx, r *http.Request) (string, error) {
	var p uuid.UUID
	err := tx.QueryRow(ctx, `SELECT provider_id FROM services WHERE code = $1`, chi.URLParam(r, "code")).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// revisionProvider is the provider of a revision's service: decisions on
// the revision are checked at it.
func revisionProvider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p uuid.UUID
	err := tx.QueryRow(ctx, `SELECT s.provider_id FROM service_revisions v JOIN services s ON s.id = v.service_id WHERE v.id = $1`, id).Scan(&p)
	return p, err
}

func (e *Editor) actor(r *http.Request) uuid.UUID {
	s, _ := e.guard.Subject(r)
	return s.AccountID
}

type servicesData struct {
	Hits     []Hit
	Provider string
}

func (e *Editor) handleServices(w http.ResponseWriter, r *http.Request) {
	d := servicesData{Provider: access.QueryProvider(r)}
	err := e.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		q := Query{Limit: 100}
		if d.Provider != "" {
			if err := tx.QueryRow(ctx, `SELECT code FROM providers WHERE id = $1`, d.Provider).Scan(&q.Provider); err != nil {
				return err
			}
		}
		var err error
		d.Hits, _, err = Search(ctx, tx, q)
		return err
	})
	if err != nil {
		e.rd.Error(w, r, err)
		return
	}
	e.rd.Render(w, r, http.StatusOK, "admin/services", &web.Page{TitleKey: "catalog.editor_services", Data: d})
}

// editForm is the revision form as typed, kept on an error.
type editForm struct {
	Code, NameUK, NameEN, SummaryUK, SummaryEN, ConditionsUK, Documents, LegalBasis, RefusalGrounds  string
	TermDays, FeeAmount, FeeIBAN, FeeEDRPOU, FeeRecipient, FeePurpose, ResultUK, AppealUK, BasisDate string
	TermWorking, FeeFree                                                                             bool
	Tags, Categories, ResultDelivery, FAQ                                                            string
	Ways, Situations                                                                                 []string
	// New is set for a service being created; Provider is then its provider.
	New      bool
	Provider string
}

type editData struct {
	Form   editForm
	Errors map[string]string
	// The choices of the checkboxes.
	AllWays        []string
	LifeSituations []LifeSituation
}

// faqSeparator divides a question from its answer on one line of the FAQ
// field.
const faqSeparator = " | "

func faqText(qs []QA) string {
	var b strings.Builder
	for _, q := range qs {
		b.WriteString(q.Question.UK + faqSeparator + q.Answer.UK + "\n")
	}
	return b.String()
}

// parseFAQ reads "question | answer" lines; a line without the separator
// is refused with the FAQ field's error.
func parseFAQ(s string) ([]QA, bool) {
	var out []QA
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		q, a, ok := strings.Cut(l, "|")
		if !ok || strings.TrimSpace(q) == "" || strings.TrimSpace(a) == "" {
			return nil, false
		}
		out = append(out, QA{Question: Text{UK: strings.TrimSpace(q)}, Answer: Text{UK: strings.TrimSpace(a)}})
	}
	return out, true
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (e *Editor) editData(ctx context.Context, f editForm, errs map[string]string) editData {
	d := editData{Form: f, Errors: errs, AllWays: []string{SubmitOnline, SubmitCentre, SubmitMail}}
	_ = e.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		d.LifeSituations, err = LifeSituations(ctx, tx)
		return err
	})
	return d
}

func lines(ts []Text) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.UK + "\n")
	}
	return b.String()
}

func splitLines(s string) []Text {
	var out []Text
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, Text{UK: l})
		}
	}
	return out
}

func formOf(c Content) editForm {
	f := editForm{Code: c.Code, NameUK: c.Name.UK, NameEN: c.Name.EN, SummaryUK: c.Summary.UK, SummaryEN: c.Summary.EN,
		ConditionsUK: c.Conditions.UK, Documents: lines(c.Documents), LegalBasis: lines(c.LegalBasis), RefusalGrounds: lines(c.RefusalGrounds),
		TermDays: strconv.Itoa(c.Term.Days), TermWorking: c.Term.Working, FeeFree: c.Fee.Free, FeeIBAN: c.Fee.IBAN, FeeEDRPOU: c.Fee.EDRPOU,
		FeeRecipient: c.Fee.Recipient, FeePurpose: c.Fee.Purpose, ResultUK: c.Result.UK, AppealUK: c.Appeal.UK,
		Tags: strings.Join(c.Tags, ", "), Categories: strings.Join(c.Categories, ", "), ResultDelivery: lines(c.ResultDelivery),
		FAQ: faqText(c.FAQ), Ways: c.WaysToSubmit, Situations: c.LifeSituations}
	if !c.Fee.Free {
		f.FeeAmount = strconv.FormatFloat(float64(c.Fee.AmountKopecks)/100, 'f', 2, 64)
	}
	return f
}

func (e *Editor) handleEdit(w http.ResponseWriter, r *http.Request) {
	var p *Page
	err := e.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		var err error
		p, err = ServiceByCode(ctx, tx, chi.URLParam(r, "code"))
		return err
	})
	if errors.Is(err, ErrNoService) {
		err = ErrNotFound
	}
	if err != nil {
		e.rd.Error(w, r, err)
		return
	}
	f := formOf(p.Content)
	f.BasisDate = e.now().In(tenant.Zone).Format("2006-01-02")
	e.rd.Render(w, r, http.StatusOK, "admin/service_edit", &web.Page{TitleKey: "catalog.editor_edit", Data: e.editData(r.Context(), f, nil)})
}

// readEditForm reads the posted revision form.
func readEditForm(r *http.Request, code string) editForm {
	pf := r.PostForm
	return editForm{Code: code, NameUK: pf.Get("name_uk"), NameEN: pf.Get("name_en"), SummaryUK: pf.Get("summary_uk"), SummaryEN: pf.Get("summary_en"),
		ConditionsUK: pf.Get("conditions_uk"), Documents: pf.Get("documents"), LegalBasis: pf.Get("legal_basis"), RefusalGrounds: pf.Get("refusal_grounds"),
		TermDays: pf.Get("term_days"), TermWorking: pf.Get("term_working") != "", FeeFree: pf.Get("fee_free") != "", FeeAmount: pf.Get("fee_amount"),
		FeeIBAN: pf.Get("fee_iban"), FeeEDRPOU: pf.Get("fee_edrpou"), FeeRecipient: pf.Get("fee_recipient"), FeePurpose: pf.Get("fee_purpose"),
		ResultUK: pf.Get("result_uk"), AppealUK: pf.Get("appeal_uk"), BasisDate: pf.Get("basis_date"),
		Tags: pf.Get("tags"), Categories: pf.Get("categories"), ResultDelivery: pf.Get("result_delivery"), FAQ: pf.Get("faq"),
		Ways: pf["ways"], Situations: pf["situations"], Provider: pf.Get("provider")}
}

// content applies the form to base: what the form does not edit (centres,
// the fee's basis) stays as it was. ok is false for a malformed FAQ.
func (f editForm) content(base Content) (Content, bool) {
	c := base
	c.Name, c.Summary = Text{UK: strings.TrimSpace(f.NameUK), EN: strings.TrimSpace(f.NameEN)}, Text{UK: strings.TrimSpace(f.SummaryUK), EN: strings.TrimSpace(f.SummaryEN)}
	c.Conditions, c.Result, c.Appeal = Text{UK: strings.TrimSpace(f.ConditionsUK)}, Text{UK: strings.TrimSpace(f.ResultUK)}, Text{UK: strings.TrimSpace(f.AppealUK)}
	c.Documents, c.LegalBasis, c.RefusalGrounds = splitLines(f.Documents), splitLines(f.LegalBasis), splitLines(f.RefusalGrounds)
	c.Term.Days, _ = strconv.Atoi(strings.TrimSpace(f.TermDays))
	c.Term.Working = f.TermWorking
	c.Fee = Fee{Free: f.FeeFree, IBAN: strings.ToUpper(strings.ReplaceAll(f.FeeIBAN, " ", "")), EDRPOU: strings.TrimSpace(f.FeeEDRPOU),
		Recipient: strings.TrimSpace(f.FeeRecipient), Purpose: strings.TrimSpace(f.FeePurpose), Basis: base.Fee.Basis}
	if !c.Fee.Free {
		if v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(f.FeeAmount), ",", "."), 64); err == nil && v > 0 && v < 1e9 {
			c.Fee.AmountKopecks = int64(math.Round(v * 100))
		}
	}
	c.Tags, c.Categories = splitList(f.Tags), splitList(f.Categories)
	c.ResultDelivery, c.WaysToSubmit, c.LifeSituations = splitLines(f.ResultDelivery), f.Ways, f.Situations
	faq, ok := parseFAQ(f.FAQ)
	c.FAQ = faq
	return c, ok
}

func (e *Editor) handlePropose(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.rd.Error(w, r, err)
		return
	}
	code := chi.URLParam(r, "code")
	f := readEditForm(r, code)
	e.propose(w, r, f, func(ctx context.Context, tx pgx.Tx) (Content, error) {
		cur, err := ServiceByCode(ctx, tx, code)
		if err != nil {
			return Content{}, err
		}
		return cur.Content, nil
	})
}

// propose saves the form as a revision of the service base returns
// (creating it first, for a new service), or shows the form again with its
// problems.
func (e *Editor) propose(w http.ResponseWriter, r *http.Request, f editForm, base func(ctx context.Context, tx pgx.Tx) (Content, error)) {
	var (
		errs FieldErrors
		rev  *Revision
	)
	err := e.db.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		b, err := base(ctx, tx)
		if err != nil {
			return err
		}
		c, faqOK := f.content(b)
		basis, _ := time.ParseInLocation("2006-01-02", f.BasisDate, tenant.Zone)
		rev, errs, err = Propose(ctx, tx, f.Code, c, basis, e.actor(r), e.now())
		if !faqOK {
			if errs == nil {
				errs = FieldErrors{}
			}
			errs["faq"] = fe("error.catalog_faq")
			err = ErrRevisionInvalid
		}
		if err != nil {
			return err
		}
		if e.OnChange != nil {
			return e.OnChange(ctx, tx, "propose", rev)
		}
		return nil
	})
	var fieldErr *fieldError
	if errors.As(err, &fieldErr) {
		errs, err = FieldErrors{fieldErr.field: fieldErr.err}, ErrRevisionInvalid
	}
	if errors.Is(err, ErrRevisionInvalid) {
		l := e.rd.Localizer(r)
		msgs := map[string]string{}
		for field, fe := range errs {
			msgs[field] = l.Message(fe.Key, fe.Args)
		}
		e.rd.Render(w, r, http.StatusBadRequest, "admin/service_edit", &web.Page{TitleKey: "catalog.editor_edit", Data: e.editData(r.Context(), f, msgs)})
		return
	}
	if errors.Is(err, ErrNoService) {
		err = ErrNotFound
	}
	if err != nil {
		e.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/revisions?provider="+rev.ProviderID.String()+"&done=proposed", http.StatusSeeOther)
}

// fieldError is a problem with one field found before the revision's own
// checks (a new service's code).
type fieldError struct {
	field string
	err   *apperr.Error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }

var codeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{1,19}$`)

// handleNew shows the form of a new service of the provider in the query.
func (e *Editor) handleNew(w http.ResponseWriter, r *http.Request) {
	f := formOf(Content{Term: Term{Days: 10, Working: true}, Fee: Fee{Free: true}, WaysToSubmit: []string{SubmitOnline, SubmitCentre}})
	f.Code, f.Provider, f.New = "", access.QueryProvider(r), true
	f.TermDays = "10"
	f.BasisDate = e.now().In(tenant.Zone).Format("2006-01-02")
	e.rd.Render(w, r, http.StatusOK, "admin/service_edit", &web.Page{TitleKey: "catalog.editor_new", Data: e.editData(r.Context(), f, nil)})
}

// handleCreate makes a new, unpublished service of the form's provider and
// its first revision: the public sees it once the revision is published.
func (e *Editor) handleCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.rd.Error(w, r, err)
		return
	}
	code := strings.ToUpper(strings.TrimSpace(r.PostForm.Get("code")))
	f := readEditForm(r, code)
	f.New = true
	e.propose(w, r, f, func(ctx context.Context, tx pgx.Tx) (Content, error) {
		if !codeRE.MatchString(code) {
			return Content{}, &fieldError{"code", fe("error.catalog_code")}
		}
		provider, err := uuid.Parse(f.Provider)
		if err != nil {
			return Content{}, &fieldError{"code", fe("error.catalog_code")}
		}
		id, err := uuid.NewV7()
		if err != nil {
			return Content{}, err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO services (tenant_id, id, code, provider_id) SELECT app_tenant_id(), $1, $2, id FROM providers WHERE id = $3
			ON CONFLICT (tenant_id, code) DO NOTHING`, id, code, provider)
		if err != nil {
			return Content{}, err
		}
		if tag.RowsAffected() == 0 {
			return Content{}, &fieldError{"code", fe("error.catalog_code_taken")}
		}
		return Content{}, nil
	})
}

type revisionsData struct {
	Revisions []*Revision
	Today     time.Time
	Flash     string
}

func (e *Editor) handleRevisions(w http.ResponseWriter, r *http.Request) {
	d := revisionsData{Today: e.now().In(tenant.Zone)}
	if k := r.URL.Query().Get("done"); k != "" {
		d.Flash = e.rd.Localizer(r).T("catalog.revision_done_" + k)
	}
	err := e.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		var provider *uuid.UUID
		if p := access.QueryProvider(r); p != "" {
			id := uuid.MustParse(p)
			provider = &id
		}
		var err error
		d.Revisions, err = Revisions(ctx, tx, provider, r.URL.Query().Get("service"))
		return err
	})
	if err != nil {
		e.rd.Error(w, r, err)
		return
	}
	e.rd.Render(w, r, http.StatusOK, "admin/revisions", &web.Page{TitleKey: "catalog.editor_revisions", Data: d})
}

func (e *Editor) handleDecide(publishIt bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			e.rd.Error(w, r, err)
			return
		}
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			e.rd.Error(w, r, ErrRevisionNotFound)
			return
		}
		err = e.db.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
			rev, err := Decide(ctx, tx, id, publishIt, strings.TrimSpace(r.PostForm.Get("comment")), e.actor(r), e.now())
			if err != nil {
				return err
			}
			if e.OnChange != nil {
				return e.OnChange(ctx, tx, map[bool]string{true: "publish", false: "return"}[publishIt], rev)
			}
			return nil
		})
		if err != nil {
			e.rd.Error(w, r, err)
			return
		}
		done := map[bool]string{true: "published", false: "returned"}[publishIt]
		http.Redirect(w, r, "/admin/revisions?done="+done, http.StatusSeeOther)
	}
}

// HolidayRoutes mounts the city's days off, which "the next working day"
// deadlines skip:
//
//	GET  /admin/holidays   the list and a form   tenant_settings:read
//	POST /admin/holidays   add or remove a day   tenant_settings:update
func (e *Editor) HolidayRoutes(r chi.Router) {
	e.guard.Route(r, http.MethodGet, "/admin/holidays", access.Perm{Object: access.ObjTenantSettings, Action: access.ActRead}, e.handleHolidays)
	e.guard.Route(r, http.MethodPost, "/admin/holidays", access.Perm{Object: access.ObjTenantSettings, Action: access.ActUpdate}, e.handleHolidaysPost)
}

type holidaysData struct {
	Holidays []Holiday
	Error    string
}

func (e *Editor) renderHolidays(w http.ResponseWriter, r *http.Request, status int, d holidaysData) {
	err := e.db.ReadTx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		var err error
		d.Holidays, err = Holidays(ctx, tx)
		return err
	})
	if err != nil {
		e.rd.Error(w, r, err)
		return
	}
	e.rd.Render(w, r, status, "admin/holidays", &web.Page{TitleKey: "catalog.holidays", Data: d})
}

func (e *Editor) handleHolidays(w http.ResponseWriter, r *http.Request) {
	e.renderHolidays(w, r, http.StatusOK, holidaysData{})
}

func (e *Editor) handleHolidaysPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.rd.Error(w, r, err)
		return
	}
	day, err := time.ParseInLocation("2006-01-02", r.PostForm.Get("day"), tenant.Zone)
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if err != nil || len([]rune(name)) > maxShort || markupRE.MatchString(name) {
		e.renderHolidays(w, r, http.StatusBadRequest, holidaysData{Error: e.rd.Localizer(r).T("error.holiday_invalid")})
		return
	}
	err = e.db.Tx(r.Context(), func(ctx context.Context, tx pgx.Tx) error {
		if r.PostForm.Get("remove") != "" {
			return RemoveHoliday(ctx, tx, day)
		}
		return SetHoliday(ctx, tx, day, name)
	})
	if err != nil {
		e.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/holidays", http.StatusSeeOther)
}
