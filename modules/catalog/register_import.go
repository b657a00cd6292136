package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// A whole register as open data: services.json (docs/opendata.md) carries,
// beside the services, the providers, life situations and centres they refer
// to, so that a city's export is also an import. ReadRegister reads it back:
// a city moving its register from another portal, and the demo cities
// (demo/<city>/register.json), come in through the same decoder.

// ServicesSchema is the schema name of services.json, checked on import so
// that another document is refused rather than read as an empty register.
const ServicesSchema = "hromada.catalog.services/v1"

// openDocument is services.json. URL, published_at and generated_at are
// what the export adds; an import may leave them out and ignores them.
type openDocument struct {
	Schema         string              `json:"schema"`
	GeneratedAt    *time.Time          `json:"generated_at,omitempty"`
	Providers      []openProvider      `json:"providers"`
	LifeSituations []openLifeSituation `json:"life_situations"`
	Centres        []openCentre        `json:"centres"`
	Services       []openService       `json:"services"`
}

// openProvider is a Provider in the open data (seed 003 annex 2).
type openProvider struct {
	Code        string        `json:"code"`
	Kind        string        `json:"kind"`
	Name        Text          `json:"name"`
	EDRPOU      string        `json:"edrpou"`
	Address     Text          `json:"address"`
	Phone       string        `json:"phone"`
	Website     string        `json:"website"`
	Email       string        `json:"email"`
	Hours       Text          `json:"hours"`
	Units       []Text        `json:"units"`
	Responsible []Responsible `json:"responsible"`
}

// openLifeSituation is a LifeSituation in the open data.
type openLifeSituation struct {
	Code        string `json:"code"`
	Name        Text   `json:"name"`
	Description Text   `json:"description"`
	Position    int    `json:"position"`
}

// openCentre is a Centre in the open data (seed 000 annex 2).
type openCentre struct {
	Code       string  `json:"code"`
	Kind       string  `json:"kind"`
	ParentCode string  `json:"parent_code,omitempty"`
	Body       string  `json:"body"`
	BodyEDRPOU string  `json:"body_edrpou"`
	Name       Text    `json:"name"`
	Address    Text    `json:"address"`
	Lat        float64 `json:"lat"`
	Lon        float64 `json:"lon"`
	Hours      Text    `json:"hours"`
	Phone      string  `json:"phone"`
	Email      string  `json:"email"`
}

// openParts are the providers, life situations and centres services.json
// carries beside the services.
type openParts struct {
	Providers      []openProvider
	LifeSituations []openLifeSituation
	Centres        []openCentre
}

// openPartsOf are an export's providers, life situations and centres as
// services.json carries them beside the services.
func openPartsOf(ex *Export) openParts {
	p := openParts{Providers: []openProvider{}, LifeSituations: []openLifeSituation{}, Centres: []openCentre{}}
	for _, pr := range ex.Providers {
		p.Providers = append(p.Providers, openProviderOf(pr))
	}
	for _, ls := range ex.LifeSituations {
		p.LifeSituations = append(p.LifeSituations, openLifeSituation(ls))
	}
	for _, c := range ex.Centres {
		p.Centres = append(p.Centres, openCentre(c))
	}
	return p
}

// openProviderOf is p in the open data: without its database id, with
// empty lists rather than none, as the database keeps them.
func openProviderOf(p Provider) openProvider {
	return openProvider{Code: p.Code, Kind: p.Kind, Name: p.Name, EDRPOU: p.EDRPOU, Address: p.Address, Phone: p.Phone,
		Website: p.Website, Email: p.Email, Hours: p.Hours, Units: nonNil(p.Units), Responsible: nonNil(p.Responsible)}
}

// provider is the Provider op describes.
func (op openProvider) provider() Provider {
	return Provider{Code: op.Code, Kind: op.Kind, Name: op.Name, EDRPOU: op.EDRPOU, Address: op.Address, Phone: op.Phone,
		Website: op.Website, Email: op.Email, Hours: op.Hours, Units: nonNil(op.Units), Responsible: nonNil(op.Responsible)}
}

// WriteRegister writes reg in the open-data format ReadRegister reads,
// indented and with Ukrainian text as it is (no \u escapes), without the
// export's addresses and times: a register kept as a file people read and
// edit, as the demo cities' register.json are.
func WriteRegister(w io.Writer, reg Register) error {
	type service struct {
		Content
		Provider string `json:"provider"`
	}
	doc := struct {
		Schema         string              `json:"schema"`
		Providers      []openProvider      `json:"providers"`
		LifeSituations []openLifeSituation `json:"life_situations"`
		Centres        []openCentre        `json:"centres"`
		Services       []service           `json:"services"`
	}{Schema: ServicesSchema, Providers: []openProvider{}, LifeSituations: []openLifeSituation{}, Centres: []openCentre{}, Services: []service{}}
	for _, p := range reg.Providers {
		doc.Providers = append(doc.Providers, openProviderOf(p))
	}
	for _, ls := range reg.LifeSituations {
		doc.LifeSituations = append(doc.LifeSituations, openLifeSituation(ls))
	}
	for _, c := range reg.Centres {
		doc.Centres = append(doc.Centres, openCentre(c))
	}
	for _, s := range reg.Services {
		doc.Services = append(doc.Services, service{Content: s.Content, Provider: s.Provider})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("catalog: register: %w", err)
	}
	return nil
}

// ReadRegister decodes a register in the open-data format (services.json,
// docs/opendata.md) and checks it: every code present and unique, every
// service's provider, life situations and centres in the register, every
// service's content as valid as the editor requires. It is how a city's
// register is imported, and how the demo cities' register.json is read.
// Fields it does not know are an error, so that a typo in a hand-edited file
// is not silently dropped.
func ReadRegister(r io.Reader) (Register, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var doc openDocument
	if err := dec.Decode(&doc); err != nil {
		return Register{}, fmt.Errorf("catalog: register: %w", err)
	}
	if dec.More() {
		return Register{}, errors.New("catalog: register: more than one JSON document")
	}
	if doc.Schema != ServicesSchema {
		return Register{}, fmt.Errorf("catalog: register: schema %q, want %q", doc.Schema, ServicesSchema)
	}
	var reg Register
	for _, p := range doc.Providers {
		reg.Providers = append(reg.Providers, p.provider())
	}
	for _, ls := range doc.LifeSituations {
		reg.LifeSituations = append(reg.LifeSituations, LifeSituation(ls))
	}
	for _, c := range doc.Centres {
		reg.Centres = append(reg.Centres, Centre(c))
	}
	for _, s := range doc.Services {
		reg.Services = append(reg.Services, RegisteredService{Provider: s.Provider, Content: s.Content})
	}
	if err := checkRegister(reg); err != nil {
		return Register{}, fmt.Errorf("catalog: register: %w", err)
	}
	return reg, nil
}

// checkRegister is what ReadRegister requires of a register, each problem
// named by the record and field it is in.
func checkRegister(reg Register) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	unique := func(what string, i int, code string, seen map[string]bool) {
		switch {
		case strings.TrimSpace(code) == "":
			bad("%s #%d: code is empty", what, i+1)
		case seen[code]:
			bad("%s %s: code is not unique", what, code)
		}
		seen[code] = true
	}
	providers, situations, centres, services := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, p := range reg.Providers {
		unique("provider", i, p.Code, providers)
		if strings.TrimSpace(p.Name.UK) == "" {
			bad("provider %s: name.uk is empty", p.Code)
		}
	}
	for i, ls := range reg.LifeSituations {
		unique("life situation", i, ls.Code, situations)
		if strings.TrimSpace(ls.Name.UK) == "" {
			bad("life situation %s: name.uk is empty", ls.Code)
		}
	}
	kinds := map[string]string{}
	for i, c := range reg.Centres {
		unique("centre", i, c.Code, centres)
		kinds[c.Code] = c.Kind
		if strings.TrimSpace(c.Name.UK) == "" {
			bad("centre %s: name.uk is empty", c.Code)
		}
	}
	for _, c := range reg.Centres {
		switch c.Kind {
		case "centre":
			if c.ParentCode != "" {
				bad("centre %s: parent_code %q: a centre has no parent", c.Code, c.ParentCode)
			}
		case "branch", "remote":
			if kinds[c.ParentCode] != "centre" {
				bad("centre %s: parent_code %q is not a centre of the register", c.Code, c.ParentCode)
			}
		default:
			bad("centre %s: kind %q, want centre, branch or remote", c.Code, c.Kind)
		}
	}
	for i, s := range reg.Services {
		c := s.Content
		unique("service", i, c.Code, services)
		if !providers[s.Provider] {
			bad("service %s: provider %q is not in the register", c.Code, s.Provider)
		}
		for _, u := range c.UserCategories {
			if u != Individual && u != LegalEntity {
				bad("service %s: user_categories: %q, want %s or %s", c.Code, u, Individual, LegalEntity)
			}
		}
		for _, code := range c.LifeSituations {
			if !situations[code] {
				bad("service %s: life_situations: %q is not in the register", c.Code, code)
			}
		}
		for _, code := range c.Centres {
			if !centres[code] {
				bad("service %s: centres: %q is not in the register", c.Code, code)
			}
		}
		fes := c.Validate()
		for _, field := range slices.Sorted(maps.Keys(fes)) {
			bad("service %s: %s: %s", c.Code, field, fes[field].Key)
		}
	}
	return errors.Join(errs...)
}
