package registries

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"hromada/ukid"
)

// The operation paths of the demo registry services (the Path of a Query):
// part of the protocol the simulator answers, see the package doc.
const (
	PathResidence = "residence"
	PathVehicles  = "vehicles"
	PathBenefits  = "benefits"
	PathPlots     = "plots"
)

// PersonQuery is the body of a query about a person: {"rnokpp": "…"}.
type PersonQuery struct {
	RNOKPP string `json:"rnokpp"`
}

// PlotQuery is the body of a land query: by the plot's cadastral number or
// by its owner's РНОКПП, exactly one of them.
type PlotQuery struct {
	CadastralNumber string `json:"cadastral_number,omitempty"`
	RNOKPP          string `json:"rnokpp,omitempty"`
}

// ResidenceRecord is a person's registered place of residence: what the
// pipeline checks ("is the applicant a resident of this city") and what
// fills the address fields of forms.
type ResidenceRecord struct {
	Registered bool   `json:"registered"`
	Address    string `json:"address,omitempty"`
	// KATOTTG is the settlement's code in the codifier of administrative
	// units and territories of communities (UA + 17 digits).
	KATOTTG string `json:"katottg,omitempty"`
	// District is the code of the district within the city (район у
	// місті, the codifier's category B under KATOTTG) where the city has
	// districts, as addresses in the register carry it; empty otherwise.
	// KATOTTG stays the settlement's: applications compare it with the
	// settlement an applicant names, polls and petitions count by district.
	District string `json:"district,omitempty"`
	// Since is the date of registration, YYYY-MM-DD.
	Since string `json:"since,omitempty"`
	// Household are the other people registered at the same address.
	Household []Member `json:"household"`
}

// Place is the most precise unit the record names: the district within
// the city where there is one, else the settlement.
func (r ResidenceRecord) Place() string {
	if r.District != "" {
		return r.District
	}
	return r.KATOTTG
}

// Member is a person registered at the same address, and who they are to
// the person asked about.
type Member struct {
	RNOKPP   string `json:"rnokpp,omitempty"`
	Name     string `json:"name"`
	Relation string `json:"relation"` // чоловік, дружина, син, дочка …
}

// Vehicle is a vehicle registered to a person.
type Vehicle struct {
	Plate string `json:"plate"` // as on the plate, without spaces: AA1234BB
	Make  string `json:"make"`  // make and model
	Year  int    `json:"year"`  // year of manufacture
}

// BenefitsRecord is what social benefits a person is entitled to.
type BenefitsRecord struct {
	// Categories are the codes of the person's benefit categories
	// (BenefitCategories names them); empty when none.
	Categories []string `json:"categories"`
	// Since is when the earliest of them was granted, YYYY-MM-DD; "" when
	// there are none.
	Since string `json:"since,omitempty"`
}

// BenefitCategories are the Ukrainian names of the benefit categories the
// demo register answers with, for showing them to people.
var BenefitCategories = map[string]string{
	"large_family":  "Багатодітна сім’я",
	"combatant":     "Учасник бойових дій",
	"disability_3":  "Особа з інвалідністю III групи",
	"low_income":    "Малозабезпечена сім’я",
	"idp":           "Внутрішньо переміщена особа",
	"chernobyl_2":   "Постраждалий внаслідок Чорнобильської катастрофи (2 категорія)",
	"pensioner_age": "Пенсіонер за віком",
}

// LandPlot is a plot in the state land cadastre.
type LandPlot struct {
	CadastralNumber string  `json:"cadastral_number"` // NNNNNNNNNN:NN:NNN:NNNN
	AreaHa          float64 `json:"area_ha"`
	// Purpose is the plot's designated purpose, its code first (02.01 …).
	Purpose     string `json:"purpose"`
	OwnerRNOKPP string `json:"owner_rnokpp"`
}

var (
	cadastralRE = regexp.MustCompile(`^\d{10}:\d{2}:\d{3}:\d{4}$`)
)

// ValidCadastralNumber reports whether s has the form of a land plot's
// cadastral number: NNNNNNNNNN:NN:NNN:NNNN (KOATUU, zone, quarter, plot).
func ValidCadastralNumber(s string) bool { return cadastralRE.MatchString(s) }

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// The wire shapes of the answers: pointers tell a missing key from a zero
// value, so {} is a bad answer rather than "not registered, no vehicles".

type residenceAnswer struct {
	Registered *bool    `json:"registered"`
	Address    string   `json:"address"`
	KATOTTG    string   `json:"katottg"`
	District   string   `json:"district"`
	Since      string   `json:"since"`
	Household  []Member `json:"household"`
}

func (a *residenceAnswer) check() error {
	if a.Registered == nil {
		return errors.New(`no "registered"`)
	}
	if *a.Registered && (a.Address == "" || !ukid.ValidKATOTTG(a.KATOTTG) || !validDate(a.Since)) {
		return errors.New("a registered residence needs an address, a KATOTTG code and a date")
	}
	if a.District != "" && !ukid.ValidKATOTTG(a.District) {
		return errors.New("a district must be a KATOTTG code")
	}
	for _, m := range a.Household {
		if m.Name == "" || (m.RNOKPP != "" && !ukid.ValidRNOKPP(m.RNOKPP)) {
			return errors.New("a household member needs a name and a valid РНОКПП if any")
		}
	}
	return nil
}

type vehiclesAnswer struct {
	Vehicles *[]Vehicle `json:"vehicles"`
}

func (a *vehiclesAnswer) check() error {
	if a.Vehicles == nil {
		return errors.New(`no "vehicles"`)
	}
	for _, v := range *a.Vehicles {
		if v.Plate == "" || v.Make == "" || v.Year < 1900 || v.Year > 2100 {
			return fmt.Errorf("vehicle %q: needs a plate, a make and a year", v.Plate)
		}
	}
	return nil
}

type benefitsAnswer struct {
	Categories *[]string `json:"categories"`
	Since      string    `json:"since"`
}

func (a *benefitsAnswer) check() error {
	if a.Categories == nil {
		return errors.New(`no "categories"`)
	}
	if len(*a.Categories) > 0 && !validDate(a.Since) {
		return errors.New(`benefits need a "since" date`)
	}
	return nil
}

type plotsAnswer struct {
	Plots *[]LandPlot `json:"plots"`
}

func (a *plotsAnswer) check() error {
	if a.Plots == nil {
		return errors.New(`no "plots"`)
	}
	for _, p := range *a.Plots {
		if !cadastralRE.MatchString(p.CadastralNumber) || p.AreaHa <= 0 || p.Purpose == "" || !ukid.ValidRNOKPP(p.OwnerRNOKPP) {
			return fmt.Errorf("plot %q: needs a cadastral number, an area, a purpose and the owner's РНОКПП", p.CadastralNumber)
		}
	}
	return nil
}

// personQuery is the query about the person rnokpp for purpose (one id, or
// several separated by commas).
func personQuery(path, rnokpp, purpose string) (Query, error) {
	if !ukid.ValidRNOKPP(rnokpp) {
		return Query{}, ErrInvalidQuery.Wrap(errors.New("registries: malformed РНОКПП"))
	}
	return Query{Path: path, Body: PersonQuery{RNOKPP: rnokpp}, Subject: rnokpp, Purposes: purposes(purpose)}, nil
}

func purposes(purpose string) []string {
	var out []string
	for p := range strings.SplitSeq(purpose, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ask sends q to the tenant's service code and decodes into out.
func ask(ctx context.Context, client *Client, code string, q Query, out any) error {
	call, err := client.For(ctx, code)
	if err != nil {
		return err
	}
	return call.Do(ctx, q, out)
}

// Residence asks the tenant's residents register where the person rnokpp
// is registered. A person the register does not know is ErrNotFound; one it
// knows without a residence is Registered false.
func Residence(ctx context.Context, client *Client, rnokpp, purpose string) (ResidenceRecord, error) {
	q, err := personQuery(PathResidence, rnokpp, purpose)
	if err != nil {
		return ResidenceRecord{}, err
	}
	var a residenceAnswer
	if err := ask(ctx, client, CodeResidents, q, &a); err != nil {
		return ResidenceRecord{}, err
	}
	r := ResidenceRecord{Registered: *a.Registered, Household: a.Household}
	if r.Registered {
		r.Address, r.KATOTTG, r.District, r.Since = a.Address, a.KATOTTG, a.District, a.Since
	}
	if r.Household == nil {
		r.Household = []Member{}
	}
	return r, nil
}

// Vehicles asks the tenant's vehicles register which vehicles are
// registered to the person rnokpp (possibly none).
func Vehicles(ctx context.Context, client *Client, rnokpp, purpose string) ([]Vehicle, error) {
	q, err := personQuery(PathVehicles, rnokpp, purpose)
	if err != nil {
		return nil, err
	}
	var a vehiclesAnswer
	if err := ask(ctx, client, CodeVehicles, q, &a); err != nil {
		return nil, err
	}
	return *a.Vehicles, nil
}

// Benefits asks the tenant's social benefits register what the person
// rnokpp is entitled to.
func Benefits(ctx context.Context, client *Client, rnokpp, purpose string) (BenefitsRecord, error) {
	q, err := personQuery(PathBenefits, rnokpp, purpose)
	if err != nil {
		return BenefitsRecord{}, err
	}
	var a benefitsAnswer
	if err := ask(ctx, client, CodeBenefits, q, &a); err != nil {
		return BenefitsRecord{}, err
	}
	return BenefitsRecord{Categories: *a.Categories, Since: a.Since}, nil
}

// LandPlots asks the tenant's land cadastre for the plot with cadastral
// number key, or for the plots owned by the person whose РНОКПП is key.
func LandPlots(ctx context.Context, client *Client, key, purpose string) ([]LandPlot, error) {
	var q Query
	switch {
	case cadastralRE.MatchString(key):
		// About a plot, not a person: no subject.
		q = Query{Path: PathPlots, Body: PlotQuery{CadastralNumber: key}, Purposes: purposes(purpose)}
	case ukid.ValidRNOKPP(key):
		q = Query{Path: PathPlots, Body: PlotQuery{RNOKPP: key}, Subject: key, Purposes: purposes(purpose)}
	default:
		return nil, ErrInvalidQuery.Wrap(errors.New("registries: neither a cadastral number nor a РНОКПП"))
	}
	var a plotsAnswer
	if err := ask(ctx, client, CodeLand, q, &a); err != nil {
		return nil, err
	}
	return *a.Plots, nil
}

// Lookups are the lookup names the automatic pipeline's rule sets use
// (applications.Check.Lookup), each served by Lookup.
var Lookups = []string{"residence", "vehicles", "benefits", "land"}

// Lookup runs the typed lookup named lookup about subject (a РНОКПП, or for
// land also a cadastral number): the pipeline's one entry point, whose
// answer it flattens into facts.
func Lookup(ctx context.Context, client *Client, lookup, subject, purpose string) (any, error) {
	switch lookup {
	case "residence":
		return Residence(ctx, client, subject, purpose)
	case "vehicles":
		return Vehicles(ctx, client, subject, purpose)
	case "benefits":
		return Benefits(ctx, client, subject, purpose)
	case "land":
		return LandPlots(ctx, client, subject, purpose)
	}
	return nil, ErrInvalidQuery.Wrap(fmt.Errorf("registries: unknown lookup %q", lookup))
}

// PurposeAutofill is the purpose id of the queries Autofill sends: the
// person fills in their own application.
const PurposeAutofill = "application-autofill"

// AutofillSources are the values Autofill knows, for a form field's
// autofill setting beside the profile's claims.
var AutofillSources = []string{
	"registry.residence.address", "registry.residence.katottg", "registry.residence.since",
	"registry.residence.household_size",
	"registry.vehicles.count", "registry.vehicles.first_plate", "registry.vehicles.first_make",
	"registry.vehicles.first_year",
	"registry.benefits.categories", "registry.benefits.since",
	"registry.land.count", "registry.land.first_cadastral_number", "registry.land.first_area_ha",
	"registry.land.first_purpose",
}

// Autofill fetches from the registries the values of sources (names from
// AutofillSources; others are ignored) about the person rnokpp, asking each
// registry once and the registries at the same time. A registry that has no
// record fills nothing and is no error. It is best effort: the map holds
// whatever could be found even when the error (all failures joined) is not
// nil, and the person types the rest, so a draft never waits on a registry
// that is down.
func Autofill(ctx context.Context, client *Client, rnokpp string, sources []string) (map[string]any, error) {
	out := map[string]any{}
	need := map[string]bool{}
	for _, s := range sources {
		if slices.Contains(AutofillSources, s) {
			need[strings.Split(s, ".")[1]] = true
		}
	}
	if len(need) == 0 {
		return out, nil
	}
	if !ukid.ValidRNOKPP(rnokpp) {
		return out, ErrInvalidQuery.Wrap(errors.New("registries: malformed РНОКПП"))
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for reg := range need {
		wg.Go(func() {
			vals, err := autofillFrom(ctx, client, reg, rnokpp)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !errors.Is(err, ErrNotFound) {
				errs = append(errs, err)
			}
			for _, s := range sources {
				if v, ok := vals[s]; ok {
					out[s] = v
				}
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// autofillFrom is every autofill value one registry gives about rnokpp.
func autofillFrom(ctx context.Context, client *Client, reg, rnokpp string) (map[string]any, error) {
	vals := map[string]any{}
	switch reg {
	case "residence":
		r, err := Residence(ctx, client, rnokpp, PurposeAutofill)
		if err != nil || !r.Registered {
			return vals, err
		}
		vals["registry.residence.address"] = r.Address
		vals["registry.residence.katottg"] = r.KATOTTG
		vals["registry.residence.since"] = r.Since
		vals["registry.residence.household_size"] = len(r.Household) + 1
	case "vehicles":
		vs, err := Vehicles(ctx, client, rnokpp, PurposeAutofill)
		if err != nil {
			return vals, err
		}
		vals["registry.vehicles.count"] = len(vs)
		if len(vs) > 0 {
			vals["registry.vehicles.first_plate"] = vs[0].Plate
			vals["registry.vehicles.first_make"] = vs[0].Make
			vals["registry.vehicles.first_year"] = vs[0].Year
		}
	case "benefits":
		b, err := Benefits(ctx, client, rnokpp, PurposeAutofill)
		if err != nil {
			return vals, err
		}
		vals["registry.benefits.categories"] = b.Categories
		if b.Since != "" {
			vals["registry.benefits.since"] = b.Since
		}
	case "land":
		ps, err := LandPlots(ctx, client, rnokpp, PurposeAutofill)
		if err != nil {
			return vals, err
		}
		vals["registry.land.count"] = len(ps)
		if len(ps) > 0 {
			vals["registry.land.first_cadastral_number"] = ps[0].CadastralNumber
			vals["registry.land.first_area_ha"] = ps[0].AreaHa
			vals["registry.land.first_purpose"] = ps[0].Purpose
		}
	}
	return vals, nil
}
