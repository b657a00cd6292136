package forms

import "fmt"

// How a document of the service's register list comes with an online
// application.
const (
	// NeedRequired: a file must be attached for it before signing.
	NeedRequired = "required"
	// NeedOptional: attached when it concerns the person (a child's birth
	// certificate, a representative's power of attorney).
	NeedOptional = "optional"
	// NeedReplaced: not attached online; the electronic form or the
	// signature stands for it (the application itself, the passport of
	// the signer).
	NeedReplaced = "replaced"
)

// Document names one document of the service's list in the register (the
// catalog's content.documents) by its place in the list, counted from 1,
// and says whether an online application needs it.
type Document struct {
	Document int    `json:"document"`
	Need     string `json:"need"`
}

func checkDocuments(ds []Document) error {
	seen := map[int]bool{}
	for _, d := range ds {
		if d.Document < 1 || seen[d.Document] {
			return fmt.Errorf("document %d: not a place in the list, or named twice", d.Document)
		}
		if d.Need != NeedRequired && d.Need != NeedOptional && d.Need != NeedReplaced {
			return fmt.Errorf("document %d: unknown need %q", d.Document, d.Need)
		}
		seen[d.Document] = true
	}
	return nil
}

// Need says how document n (from 1) of the register's list comes with an
// online application.
func (f *Form) Need(n int) string {
	for _, d := range f.docs {
		if d.Document == n {
			return d.Need
		}
	}
	return NeedOptional
}

// MissingDocuments returns the required documents, of the count listed
// in the register, that have no file in attached (places from 1). A
// required place beyond the register's list is not asked for: the list
// was shortened since the form was published.
func (f *Form) MissingDocuments(count int, attached map[int]bool) []int {
	var out []int
	for _, d := range f.docs {
		if d.Need == NeedRequired && d.Document <= count && !attached[d.Document] {
			out = append(out, d.Document)
		}
	}
	return out
}
