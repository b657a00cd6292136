package catalog

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/tenant"
	"hromada/web"
)

// The editor's pages (mounted by Site.Routes): the provider staff's and the
// administrator's side of the register, revisions proposed, published or
// returned (seed 003 §7.3–7.6), and the city's days off.

// actorOf is the account the guard let through.
func actorOf(r *http.Request) uuid.UUID { return access.SubjectOf(r).AccountID }

type servicesData struct {
	Hits     []Hit
	Provider string
}

func (s *Site) handleServices(w http.ResponseWriter, r *http.Request) {
	d := servicesData{Provider: access.QueryProvider(r)}
	var err error
	if d.Hits, err = s.svc.ServicesOf(r.Context(), d.Provider); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.rd.Render(w, r, http.StatusOK, "admin/services", &web.Page{TitleKey: "catalog.editor_services", Data: d})
}

// editForm is the revision form as typed, kept on an error.
type editForm struct {
	Code, NameUK, NameEN, SummaryUK, SummaryEN, ConditionsUK, LegalBasis, RefusalGrounds             string
	TermDays, FeeAmount, FeeIBAN, FeeEDRPOU, FeeRecipient, FeePurpose, ResultUK, AppealUK, BasisDate string
	TermWorking, FeeFree, FeePayFirst                                                                bool
	Tags, Categories, ResultDelivery, FAQ, NationalCode                                              string
	Ways, Situations, Centres                                                                        []string
	// Documents are the required documents' rows as typed (blank rows
	// left out); the form adds blank ones after them.
	Documents []Document
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
	Centres        []Centre
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

// editData is the revision form's page. Without the life situations (they
// could not be read) the form still shows, and the error is logged.
func (s *Site) editData(ctx context.Context, f editForm, errs map[string]string) editData {
	d := editData{Form: f, Errors: errs, AllWays: []string{SubmitOnline, SubmitCentre, SubmitMail}}
	var err error
	if d.LifeSituations, err = s.svc.LifeSituations(ctx); err != nil {
		s.svc.log.ErrorContext(ctx, "reading the life situations for the revision form", "error", err)
	}
	if d.Centres, err = s.svc.Centres(ctx); err != nil {
		s.svc.log.ErrorContext(ctx, "reading the centres for the revision form", "error", err)
	}
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
		ConditionsUK: c.Conditions.UK, Documents: c.Documents, LegalBasis: lines(c.LegalBasis), RefusalGrounds: lines(c.RefusalGrounds),
		TermDays: strconv.Itoa(c.Term.Days), TermWorking: c.Term.Working, FeeFree: c.Fee.Free, FeePayFirst: c.Fee.PayFirst, FeeIBAN: c.Fee.IBAN, FeeEDRPOU: c.Fee.EDRPOU,
		FeeRecipient: c.Fee.Recipient, FeePurpose: c.Fee.Purpose, ResultUK: c.Result.UK, AppealUK: c.Appeal.UK,
		Tags: strings.Join(c.Tags, ", "), Categories: strings.Join(c.Categories, ", "), ResultDelivery: lines(c.ResultDelivery),
		FAQ: faqText(c.FAQ), Ways: c.WaysToSubmit, Situations: c.LifeSituations, Centres: c.Centres, NationalCode: c.NationalCode}
	if !c.Fee.Free {
		f.FeeAmount = strconv.FormatFloat(float64(c.Fee.AmountKopecks)/100, 'f', 2, 64)
	}
	return f
}

func (s *Site) handleEdit(w http.ResponseWriter, r *http.Request) {
	p, err := s.svc.Current(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	f := formOf(p.Content)
	f.BasisDate = s.svc.now().In(tenant.Zone).Format("2006-01-02")
	s.rd.Render(w, r, http.StatusOK, "admin/service_edit", &web.Page{TitleKey: "catalog.editor_edit", Data: s.editData(r.Context(), f, nil)})
}

// blankDocuments is how many empty rows the form offers after the
// documents it has.
const blankDocuments = 3

// DocumentRows are the document rows the form shows: those it has, then
// blank ones.
func (f editForm) DocumentRows() []Document {
	return append(append([]Document(nil), f.Documents...), make([]Document, blankDocuments)...)
}

// readDocuments reads the documents' rows (doc_name, doc_original "1" for
// the original, doc_condition), skipping those with no name and nothing
// else.
func readDocuments(pf url.Values) []Document {
	var out []Document
	for i, name := range pf["doc_name"] {
		at := func(k string) string {
			if vs := pf[k]; i < len(vs) {
				return strings.TrimSpace(vs[i])
			}
			return ""
		}
		d := Document{Text: Text{UK: strings.TrimSpace(name)}, Original: at("doc_original") == "1", Condition: at("doc_condition")}
		if d.UK != "" || d.Condition != "" {
			out = append(out, d)
		}
	}
	return out
}

// readEditForm reads the posted revision form.
func readEditForm(r *http.Request, code string) editForm {
	pf := r.PostForm
	return editForm{Code: code, NameUK: pf.Get("name_uk"), NameEN: pf.Get("name_en"), SummaryUK: pf.Get("summary_uk"), SummaryEN: pf.Get("summary_en"),
		ConditionsUK: pf.Get("conditions_uk"), Documents: readDocuments(pf), LegalBasis: pf.Get("legal_basis"), RefusalGrounds: pf.Get("refusal_grounds"),
		TermDays: pf.Get("term_days"), TermWorking: pf.Get("term_working") != "", FeeFree: pf.Get("fee_free") != "", FeePayFirst: pf.Get("fee_pay_first") != "", FeeAmount: pf.Get("fee_amount"),
		FeeIBAN: pf.Get("fee_iban"), FeeEDRPOU: pf.Get("fee_edrpou"), FeeRecipient: pf.Get("fee_recipient"), FeePurpose: pf.Get("fee_purpose"),
		ResultUK: pf.Get("result_uk"), AppealUK: pf.Get("appeal_uk"), BasisDate: pf.Get("basis_date"),
		Tags: pf.Get("tags"), Categories: pf.Get("categories"), ResultDelivery: pf.Get("result_delivery"), FAQ: pf.Get("faq"),
		Ways: pf["ways"], Situations: pf["situations"], Centres: pf["centres"], NationalCode: pf.Get("national_code"), Provider: pf.Get("provider")}
}

// content applies the form to base: what the form does not edit (the fee's
// basis and whether it is refundable) stays as it was. A malformed FAQ is the faq field's
// problem.
func (f editForm) content(base Content) (Content, FieldErrors) {
	c := base
	c.Name, c.Summary = Text{UK: strings.TrimSpace(f.NameUK), EN: strings.TrimSpace(f.NameEN)}, Text{UK: strings.TrimSpace(f.SummaryUK), EN: strings.TrimSpace(f.SummaryEN)}
	c.Conditions, c.Result, c.Appeal = Text{UK: strings.TrimSpace(f.ConditionsUK)}, Text{UK: strings.TrimSpace(f.ResultUK)}, Text{UK: strings.TrimSpace(f.AppealUK)}
	c.Documents, c.LegalBasis, c.RefusalGrounds = f.Documents, splitLines(f.LegalBasis), splitLines(f.RefusalGrounds)
	c.Term.Days, _ = strconv.Atoi(strings.TrimSpace(f.TermDays))
	c.Term.Working = f.TermWorking
	c.Fee = Fee{Free: f.FeeFree, IBAN: strings.ToUpper(strings.ReplaceAll(f.FeeIBAN, " ", "")), EDRPOU: strings.TrimSpace(f.FeeEDRPOU),
		Recipient: strings.TrimSpace(f.FeeRecipient), Purpose: strings.TrimSpace(f.FeePurpose), Basis: base.Fee.Basis,
		Refundable: base.Fee.Refundable, PayFirst: f.FeePayFirst && !f.FeeFree}
	if !c.Fee.Free {
		if v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(f.FeeAmount), ",", "."), 64); err == nil && v > 0 && v < 1e9 {
			c.Fee.AmountKopecks = int64(math.Round(v * 100))
		}
	}
	c.Tags, c.Categories = splitList(f.Tags), splitList(f.Categories)
	c.ResultDelivery, c.WaysToSubmit, c.LifeSituations = splitLines(f.ResultDelivery), f.Ways, f.Situations
	c.Centres, c.NationalCode = f.Centres, strings.TrimSpace(f.NationalCode)
	faq, ok := parseFAQ(f.FAQ)
	c.FAQ = faq
	if !ok {
		return c, FieldErrors{"faq": fe("error.catalog_faq")}
	}
	return c, nil
}

func (s *Site) handlePropose(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	f := readEditForm(r, chi.URLParam(r, "code"))
	rev, errs, err := s.svc.Propose(r.Context(), f.Code, f.content, f.basis(), actorOf(r))
	s.proposed(w, r, f, rev, errs, err)
}

// basis is the date the revision's legal basis arose (zero if malformed:
// the revision's checks refuse it).
func (f editForm) basis() time.Time {
	d, _ := time.ParseInLocation("2006-01-02", f.BasisDate, tenant.Zone)
	return d
}

// proposed answers a proposal: off to the provider's revisions, or the
// form again with its problems.
func (s *Site) proposed(w http.ResponseWriter, r *http.Request, f editForm, rev *Revision, errs FieldErrors, err error) {
	if errors.Is(err, ErrRevisionInvalid) {
		l := s.rd.Localizer(r)
		msgs := map[string]string{}
		for field, fe := range errs {
			msgs[field] = l.Message(fe.Key, fe.Args)
		}
		s.rd.Render(w, r, http.StatusBadRequest, "admin/service_edit", &web.Page{TitleKey: "catalog.editor_edit", Data: s.editData(r.Context(), f, msgs)})
		return
	}
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/revisions?provider="+rev.ProviderID.String()+"&done=proposed", http.StatusSeeOther)
}

// handleNew shows the form of a new service of the provider in the query.
func (s *Site) handleNew(w http.ResponseWriter, r *http.Request) {
	f := formOf(Content{Term: Term{Days: 10, Working: true}, Fee: Fee{Free: true}, WaysToSubmit: []string{SubmitOnline, SubmitCentre}})
	f.Code, f.Provider, f.New = "", access.QueryProvider(r), true
	f.TermDays = "10"
	f.BasisDate = s.svc.now().In(tenant.Zone).Format("2006-01-02")
	s.rd.Render(w, r, http.StatusOK, "admin/service_edit", &web.Page{TitleKey: "catalog.editor_new", Data: s.editData(r.Context(), f, nil)})
}

// handleCreate makes a new, unpublished service of the form's provider and
// its first revision: the public sees it once the revision is published.
func (s *Site) handleCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	f := readEditForm(r, strings.ToUpper(strings.TrimSpace(r.PostForm.Get("code"))))
	f.New = true
	rev, errs, err := s.svc.Create(r.Context(), f.Code, f.Provider, f.content, f.basis(), actorOf(r))
	s.proposed(w, r, f, rev, errs, err)
}

type revisionsData struct {
	Revisions []*Revision
	Today     time.Time
	Flash     string
}

func (s *Site) handleRevisions(w http.ResponseWriter, r *http.Request) {
	d := revisionsData{Today: s.svc.now().In(tenant.Zone)}
	if k := r.URL.Query().Get("done"); k != "" {
		d.Flash = s.rd.Localizer(r).T("catalog.revision_done_" + k)
	}
	var provider *uuid.UUID
	if p := access.QueryProvider(r); p != "" {
		id := uuid.MustParse(p)
		provider = &id
	}
	var err error
	if d.Revisions, err = s.svc.Revisions(r.Context(), provider, r.URL.Query().Get("service")); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.rd.Render(w, r, http.StatusOK, "admin/revisions", &web.Page{TitleKey: "catalog.editor_revisions", Data: d})
}

func (s *Site) handleDecide(publishIt bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.rd.Error(w, r, err)
			return
		}
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			s.rd.Error(w, r, ErrRevisionNotFound)
			return
		}
		if _, err := s.svc.Decide(r.Context(), id, publishIt, strings.TrimSpace(r.PostForm.Get("comment")), actorOf(r)); err != nil {
			s.rd.Error(w, r, err)
			return
		}
		done := map[bool]string{true: "published", false: "returned"}[publishIt]
		http.Redirect(w, r, "/admin/revisions?done="+done, http.StatusSeeOther)
	}
}

type holidaysData struct {
	Holidays []Holiday
	Error    string
}

func (s *Site) renderHolidays(w http.ResponseWriter, r *http.Request, status int, d holidaysData) {
	var err error
	if d.Holidays, err = s.svc.Holidays(r.Context()); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.rd.Render(w, r, status, "admin/holidays", &web.Page{TitleKey: "catalog.holidays", Data: d})
}

func (s *Site) handleHolidays(w http.ResponseWriter, r *http.Request) {
	s.renderHolidays(w, r, http.StatusOK, holidaysData{})
}

func (s *Site) handleHolidaysPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	day, err := time.ParseInLocation("2006-01-02", r.PostForm.Get("day"), tenant.Zone)
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if err != nil || len([]rune(name)) > maxShort || markupRE.MatchString(name) {
		s.renderHolidays(w, r, http.StatusBadRequest, holidaysData{Error: s.rd.Localizer(r).T("error.holiday_invalid")})
		return
	}
	if r.PostForm.Get("remove") != "" {
		err = s.svc.RemoveHoliday(r.Context(), day)
	} else {
		err = s.svc.SetHoliday(r.Context(), day, name)
	}
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/holidays", http.StatusSeeOther)
}
