package catalog

import (
	"regexp"
	"slices"
	"strings"

	"hromada/apperr"
	"hromada/ukid"
)

// Limits of a revision's texts: generous for real content, bounded so a
// paste of a whole act cannot fill the database.
const (
	maxShort = 300   // names, recipients, purposes
	maxLong  = 10000 // conditions, appeal, result
	maxItems = 100   // list entries
)

var markupRE = regexp.MustCompile(`<\s*/?\s*[a-zA-Z!?]`)

// nationalCodeRE is the national register's identifier of a service (seed
// 000 §12): five digits, as the national guide to services shows it.
var nationalCodeRE = regexp.MustCompile(`^[0-9]{5}$`)

// FieldErrors are the problems of a revision, by form field.
type FieldErrors map[string]*apperr.Error

func fe(key string) *apperr.Error { return apperr.New(apperr.Invalid, key) }

// text records field's problem with s, if any: missing when required,
// longer than max, or markup.
func (e FieldErrors) text(field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		e[field] = fe("error.catalog_required")
	case len([]rune(s)) > max:
		e[field] = fe("error.catalog_too_long").With(map[string]any{"Max": max})
	case markupRE.MatchString(s):
		e[field] = fe("error.catalog_markup")
	}
}

// lines records field's problem with a list of texts, if any: none when
// required, too many, or one of them wrong as text says.
func (e FieldErrors) lines(field string, ts []Text, required bool) {
	if required && len(ts) == 0 {
		e[field] = fe("error.catalog_required")
		return
	}
	if len(ts) > maxItems {
		e[field] = fe("error.catalog_too_many").With(map[string]any{"Max": maxItems})
		return
	}
	for _, t := range ts {
		e.text(field, t.UK, maxShort*4, false)
		e.text(field, t.EN, maxShort*4, false)
	}
}

// Validate checks what a provider proposes before it is saved.
func (c *Content) Validate() FieldErrors {
	e := FieldErrors{}
	text, lines := e.text, e.lines
	text("name_uk", c.Name.UK, maxShort, true)
	text("name_en", c.Name.EN, maxShort, false)
	if c.NationalCode != "" && !nationalCodeRE.MatchString(c.NationalCode) {
		e["national_code"] = fe("error.catalog_national_code")
	}
	text("summary_uk", c.Summary.UK, maxLong, true)
	text("conditions_uk", c.Conditions.UK, maxLong, true)
	text("result_uk", c.Result.UK, maxLong, true)
	text("appeal_uk", c.Appeal.UK, maxLong, true)
	lines("documents", names(c.Documents), true)
	for _, d := range c.Documents {
		if strings.TrimSpace(d.UK) == "" {
			e["documents"] = fe("error.catalog_document_name")
		}
		e.text("documents", d.Condition, maxShort, false)
	}
	lines("legal_basis", c.LegalBasis, true)
	lines("refusal_grounds", c.RefusalGrounds, false)
	for _, w := range c.WaysToSubmit {
		if w != SubmitOnline && w != SubmitCentre && w != SubmitMail {
			e["ways"] = fe("error.catalog_way")
		}
	}
	if len(c.WaysToSubmit) == 0 {
		e["ways"] = fe("error.catalog_required")
	}
	if len(c.Tags) > maxItems || len(c.Categories) > maxItems {
		e["tags"] = fe("error.catalog_too_many").With(map[string]any{"Max": maxItems})
	}
	for _, t := range append(slices.Clone(c.Tags), c.Categories...) {
		text("tags", t, maxShort, false)
	}
	for _, q := range c.FAQ {
		text("faq", q.Question.UK, maxLong, false)
		text("faq", q.Answer.UK, maxLong, false)
	}
	lines("result_delivery", c.ResultDelivery, false)
	if c.Term.Days <= 0 || c.Term.Days > 365 {
		e["term_days"] = fe("error.catalog_term")
	}
	if !c.Fee.Free {
		if c.Fee.AmountKopecks <= 0 {
			e["fee_amount"] = fe("error.catalog_fee_amount")
		}
		if !ukid.ValidIBAN(c.Fee.IBAN) {
			e["fee_iban"] = fe("error.catalog_iban")
		}
		if !ukid.ValidEDRPOU(c.Fee.EDRPOU) {
			e["fee_edrpou"] = fe("error.catalog_edrpou")
		}
		text("fee_recipient", c.Fee.Recipient, maxShort, true)
		text("fee_purpose", c.Fee.Purpose, maxShort, true)
	}
	return e
}
