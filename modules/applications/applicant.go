package applications

import (
	"context"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/forms"
	"hromada/modules/identity"
	"hromada/modules/signature"
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
	return acc, profileOf(acc, app), nil
}

// profileOf is the applicant's values of app's identity fields, from
// their account acc.
func profileOf(acc *identity.Account, app *Application) map[string]string {
	return profileValues(personOf(acc), Owner{AccountID: acc.ID, EDRPOU: app.EDRPOU, OrgName: app.OrgName})
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

// Surname and given names in a certificate's subject (X.520): Ukrainian
// qualified certificates carry the surname apart and the given name with
// the patronymic, beside the full name in the common name.
var (
	oidSurname   = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName = asn1.ObjectIdentifier{2, 5, 4, 42}
)

// signerNamed reports whether the signing certificate names the
// applicant the profile describes: its surname and given names — or,
// without them, its common name — are the account's full name's words, in
// any order (certificates put the surname first, sign-ins often last),
// without regard to case or to which apostrophe was typed. A certificate
// that names nobody is left to the РНОКПП, which it must carry.
func signerNamed(profile map[string]string, signer *signature.Signer) bool {
	var parts []string
	if signer.Certificate != nil {
		for _, n := range signer.Certificate.Subject.Names {
			if n.Type.Equal(oidSurname) || n.Type.Equal(oidGivenName) {
				if s, ok := n.Value.(string); ok {
					parts = append(parts, s)
				}
			}
		}
	}
	if len(parts) == 0 && signer.CommonName != "" {
		parts = []string{signer.CommonName}
	}
	if len(parts) == 0 {
		return true
	}
	return slices.Equal(nameWords(strings.Join(parts, " ")), nameWords(profile["profile.full_name"]))
}

// nameWords are a name's words, lower-cased, with the apostrophe's
// look-alikes made one, sorted.
func nameWords(s string) []string {
	s = strings.NewReplacer("’", "'", "ʼ", "'", "`", "'", "‘", "'").Replace(strings.ToLower(s))
	w := strings.Fields(s)
	slices.Sort(w)
	return w
}
