package applications

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/forms"
	"hromada/modules/identity"
)

// The applicant is the signer (issue 14): a form's identity fields
// (forms.IdentitySources) are filled from the sign-in, shown read-only,
// and any other value is refused — on each step, and again at the
// submission against the account and the signing certificate — so an
// application cannot name someone else under the resident's signature.

// ErrApplicantMismatch says which identity field differs from the
// applicant's sign-in and signature, and what it must be.
var ErrApplicantMismatch = apperr.New(apperr.Invalid, "error.applicant_mismatch")

// profileValues are the values of the profile autofill sources for the
// person p acting as owner o.
func profileValues(p Person, o Owner) map[string]string {
	return map[string]string{
		"profile.full_name": p.FullName, "profile.family_name": p.Family, "profile.given_name": p.Given, "profile.middle_name": p.Middle,
		"profile.rnokpp": p.RNOKPP, "profile.email": p.Email, "profile.phone": p.Phone, "profile.birth_date": BirthDate(p.RNOKPP),
		"profile.edrpou": o.EDRPOU, "profile.org_name": o.OrgName,
	}
}

// applicantProfile is the profile of an application's applicant, read in
// tx: the account's (as the sign-in left it) and the legal entity the
// application is filed for; and the account itself.
func applicantProfile(ctx context.Context, tx pgx.Tx, app *Application) (*identity.Account, map[string]string, error) {
	acc, err := identity.AccountTx(ctx, tx, app.ApplicantID)
	if err != nil {
		return nil, nil, fmt.Errorf("applications: the applicant's account: %w", err)
	}
	return acc, profileValues(personOf(acc), Owner{AccountID: acc.ID, EDRPOU: app.EDRPOU, OrgName: app.OrgName}), nil
}

// applicantErrors are the identity fields among fields whose values differ
// from profile, each with the value it must have (the label in Ukrainian,
// as the errors are).
func applicantErrors(fields []forms.Field, data map[string]any, profile map[string]string) forms.Errors {
	errs := forms.Errors{}
	for _, fl := range fields {
		if !fl.Identity() {
			continue
		}
		want := profile[fl.Autofill]
		got := ""
		if v, ok := data[fl.Name]; ok && v != nil {
			got = strings.TrimSpace(fmt.Sprint(v))
		}
		if got != want {
			errs[fl.Name] = ErrApplicantMismatch.With(map[string]any{"Field": fl.Label.UK, "Want": want})
		}
	}
	return errs
}

// allFields are a form's fields, every step's.
func allFields(f *forms.Form) []forms.Field {
	var out []forms.Field
	for _, s := range f.Sections() {
		out = append(out, s.Fields...)
	}
	return out
}
