// Package demo is the demo data, as data: the demo cities (their branding,
// register of services, electronic forms and automatic-mode rule sets), the
// people one signs in as in development (personas) with the providers and
// positions they hold, and what the simulated state registries know about
// them. The files are in this folder (README.md describes them), embedded in
// the binary; this package only decodes and checks them, so that a ЦНАП
// employee reviews a demo city without reading Go, and a third city is a new
// sub-folder.
//
// A city's register.json is in the catalog's open-data format and is read by
// catalog.ReadRegister, the decoder of a real city's import.
//
// Only `hromada demo` and the development test doubles (the dev IdP, the
// registry simulator) and tests use this package; modules take what they
// need as arguments.
package demo

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"hromada/modules/appeals"
	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/centres"
	"hromada/modules/forms"
	"hromada/modules/registries"
	"hromada/tenant"
)

// files are the demo data. A city is any sub-folder with a city.json.
//
//go:embed personas.json registries/*.json */city.json */register.json */rules.json */forms/*.json */appeals.json */centres.json
var files embed.FS

// Data is the whole demo, decoded.
type Data struct {
	Roster
	Registries
	// Cities are the demo cities, in the order of their folders' names.
	Cities []City
}

// Roster is personas.json: who signs in in development, and the providers
// the officials among them belong to.
type Roster struct {
	// Providers are the providers of services every demo city has; the
	// officials among the personas belong to them by code.
	Providers []Provider `json:"providers"`
	// Personas are the people one signs in as through the development IdP.
	Personas []Persona `json:"personas"`
}

// Registries are registries/*.json: the simulated exchange and what its
// registries know about the personas.
type Registries struct {
	// Exchange is the simulated exchange (Trembita) and its registries
	// (registries/exchange.json).
	Exchange Exchange
	// People are what the simulated registries know, by persona
	// (registries/people.json).
	People []Person
}

// City is one demo city: what the operator creates (its tenant and
// branding) and what the city holds (register, forms, rule sets).
type City struct {
	// Slug is the tenant's slug and the folder's name.
	Slug string `json:"slug"`
	// Name is the council's name, the tenant's legal name.
	Name string `json:"name"`
	// KATOTTG is the city's code in the codifier of administrative units
	// (UA and 17 digits), where the simulated registries register its people.
	KATOTTG string `json:"katottg"`
	// Domains are the tenant's own host names, if any.
	Domains []string `json:"domains,omitempty"`
	// Branding is the portal's look and the city's public contacts.
	Branding tenant.Branding `json:"branding"`

	// Register is register.json, as catalog.ReadRegister reads it.
	Register catalog.Register `json:"-"`
	// Forms are forms/<service code>.json, by service code.
	Forms map[string]forms.Definition `json:"-"`
	// Rules are rules.json: the automatic-mode rule sets, by service code.
	Rules map[string]applications.RuleSet `json:"-"`
	// Appeals is appeals.json: the classifier of citizens' appeals
	// (categories, districts, routing rules by provider code).
	Appeals appeals.Classifier `json:"-"`
	// Centres are centres.json: how each service centre receives people
	// (hours, windows and their services, appointments' lengths).
	Centres []centres.Setup `json:"-"`
}

// Params are what operator creates the city's tenant from.
func (c City) Params() tenant.CreateParams {
	return tenant.CreateParams{Slug: c.Slug, Name: c.Name, Branding: c.Branding, Domains: c.Domains}
}

// Provider is a provider of services every demo city has (the register may
// describe it at length; this is what the officials' grants need).
type Provider struct {
	Code string      `json:"code"`
	Name tenant.Text `json:"name"`
}

// Persona is a person one signs in as in development (personas.json). The
// dev IdP says who they are; Role, Provider and Position are what `hromada
// demo` grants them in every city.
type Persona struct {
	ID   string `json:"id"` // stable subject; no ':'
	Role string `json:"role"`
	// The name as in a passport: Шевченко Олена Петрівна.
	FamilyName string `json:"family_name"`
	GivenName  string `json:"given_name"`
	MiddleName string `json:"middle_name"`
	RNOKPP     string `json:"rnokpp"`
	// EDRPOU and OrgName are the company of a legal_rep.
	EDRPOU  string `json:"edrpou,omitempty"`
	OrgName string `json:"org_name,omitempty"`
	// Provider is the code of the provider a provider_head or official
	// belongs to; Position is their position there, recorded with decisions.
	Provider string      `json:"provider,omitempty"`
	Position string      `json:"position,omitempty"`
	Email    string      `json:"email"`
	Phone    string      `json:"phone"`
	About    tenant.Text `json:"about"` // one line in the picker
}

// Exchange is the simulated state exchange (registries/exchange.json): its
// instance, the demo cities' client subsystem, and the registry services it
// serves.
type Exchange struct {
	Instance   string     `json:"instance"`
	Client     Member     `json:"client"`
	Registries []Registry `json:"registries"`
}

// Member is a subsystem on the exchange: member class, code and subsystem.
type Member struct {
	MemberClass string `json:"member_class"`
	MemberCode  string `json:"member_code"`
	Subsystem   string `json:"subsystem"`
}

// Registry is a registry service the simulator serves: its code in Hromada,
// its identifier on the exchange, the dialect a demo city reaches it in, and
// the operation's path.
type Registry struct {
	Code    string             `json:"code"`
	Dialect registries.Dialect `json:"dialect"`
	Member
	ServiceCode string `json:"service_code"`
	Version     string `json:"version"`
	Path        string `json:"path"`
}

// Person is what the simulated registries know of one persona
// (registries/people.json). The land plots' owner is the persona.
type Person struct {
	Persona   string                     `json:"persona"`
	Residence registries.ResidenceRecord `json:"residence"`
	Vehicles  []registries.Vehicle       `json:"vehicles,omitempty"`
	Benefits  registries.BenefitsRecord  `json:"benefits,omitzero"`
	Plots     []Plot                     `json:"plots,omitempty"`
}

// Plot is a land plot of a Person, without its owner (the persona).
type Plot struct {
	CadastralNumber string  `json:"cadastral_number"`
	AreaHa          float64 `json:"area_ha"`
	Purpose         string  `json:"purpose"`
}

// Load decodes and checks the embedded demo data.
func Load() (*Data, error) { return LoadFS(files) }

// The parts the development test doubles need for their package defaults,
// each decoded once and without the cities: a binary's start-up does not
// decode the registers.
var (
	rosterOnce     = sync.OnceValues(func() (Roster, error) { return loadRoster(files) })
	registriesOnce = sync.OnceValues(func() (Registries, error) { return loadRegistries(files) })
)

// MustRoster is the embedded personas.json, decoded once, for the dev IdP's
// default personas. It panics if the file does not decode, which TestLoad
// rules out for the embedded data.
func MustRoster() Roster { return must(rosterOnce()) }

// MustRegistries is the embedded registries/*.json, decoded once, for the
// registry simulator. It panics if they do not decode, which TestLoad rules
// out for the embedded data.
func MustRegistries() Registries { return must(registriesOnce()) }

// MustKATOTTG is the КАТОТТГ code of the embedded demo city with slug, from
// its city.json alone, for the registry simulator's tests. It panics if
// there is no such city, which is a programming error.
func MustKATOTTG(slug string) string {
	var c City
	if err := decodeFile(files, slug+"/city.json", &c); err != nil {
		panic(err)
	}
	return c.KATOTTG
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// LoadFS decodes and checks demo data laid out as this folder is, from fsys:
// a new city's folder can be tried before it is embedded.
func LoadFS(fsys fs.FS) (*Data, error) {
	var d Data
	var err error
	if d.Roster, err = loadRoster(fsys); err != nil {
		return nil, err
	}
	if d.Registries, err = loadRegistries(fsys); err != nil {
		return nil, err
	}
	dirs, err := fs.Glob(fsys, "*/city.json")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	slices.Sort(dirs)
	for _, f := range dirs {
		c, err := loadCity(fsys, path.Dir(f))
		if err != nil {
			return nil, err
		}
		d.Cities = append(d.Cities, c)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &d, nil
}

func loadRoster(fsys fs.FS) (Roster, error) {
	var r Roster
	err := decodeFile(fsys, "personas.json", &r)
	return r, err
}

func loadRegistries(fsys fs.FS) (Registries, error) {
	var r Registries
	if err := decodeFile(fsys, "registries/exchange.json", &r.Exchange); err != nil {
		return r, err
	}
	err := decodeFile(fsys, "registries/people.json", &r.People)
	return r, err
}

func loadCity(fsys fs.FS, dir string) (City, error) {
	var c City
	if err := decodeFile(fsys, dir+"/city.json", &c); err != nil {
		return c, err
	}
	if c.Slug != dir {
		return c, fmt.Errorf("demo: %s/city.json: slug %q is not the folder's name", dir, c.Slug)
	}
	raw, err := fs.ReadFile(fsys, dir+"/register.json")
	if err != nil {
		return c, fmt.Errorf("demo: %w", err)
	}
	if c.Register, err = catalog.ReadRegister(bytes.NewReader(raw)); err != nil {
		return c, fmt.Errorf("demo: %s/register.json: %w", dir, err)
	}
	if err := decodeFile(fsys, dir+"/centres.json", &c.Centres); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	c.Rules = map[string]applications.RuleSet{}
	if err := decodeFile(fsys, dir+"/rules.json", &c.Rules); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	if err := decodeFile(fsys, dir+"/appeals.json", &c.Appeals); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	names, err := fs.Glob(fsys, dir+"/forms/*.json")
	if err != nil {
		return c, fmt.Errorf("demo: %w", err)
	}
	c.Forms = map[string]forms.Definition{}
	for _, name := range names {
		var def forms.Definition
		if err := decodeFile(fsys, name, &def); err != nil {
			return c, err
		}
		c.Forms[strings.TrimSuffix(path.Base(name), ".json")] = def
	}
	return c, nil
}

// decodeFile decodes the JSON file name into v, refusing unknown fields so
// that a misspelt one is an error rather than lost.
func decodeFile(fsys fs.FS, name string, v any) error {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("demo: %s: %w", name, err)
	}
	return nil
}

// check is what the files must agree on between them.
func (d *Data) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	providers := map[string]bool{}
	for _, p := range d.Providers {
		providers[p.Code] = true
	}
	personas := map[string]bool{}
	for _, p := range d.Personas {
		if p.ID == "" || strings.Contains(p.ID, ":") || personas[p.ID] {
			bad("personas.json: persona id %q is empty, has a ':' or is not unique", p.ID)
		}
		personas[p.ID] = true
		if p.Provider != "" && !providers[p.Provider] {
			bad("personas.json: persona %s: provider %q is not among the providers", p.ID, p.Provider)
		}
		if p.Position != "" && p.Provider == "" {
			bad("personas.json: persona %s: a position needs a provider", p.ID)
		}
	}
	for _, p := range d.People {
		if !personas[p.Persona] {
			bad("registries/people.json: persona %q is not in personas.json", p.Persona)
		}
	}
	for _, c := range d.Cities {
		services := map[string]bool{}
		grounds := map[string][]string{} // a rule set refuses only on the service's grounds
		for _, s := range c.Register.Services {
			services[s.Content.Code] = true
			for _, g := range s.Content.RefusalGrounds {
				grounds[s.Content.Code] = append(grounds[s.Content.Code], g.UK)
			}
		}
		for _, p := range d.Providers {
			if !slices.ContainsFunc(c.Register.Providers, func(rp catalog.Provider) bool { return rp.Code == p.Code }) {
				bad("%s/register.json: provider %s of personas.json is not in the register", c.Slug, p.Code)
			}
		}
		fields := map[string][]string{}
		for code, def := range c.Forms {
			if !services[code] {
				bad("%s/forms/%s.json: service %s is not in the register", c.Slug, code, code)
			}
			f, err := forms.Compile(def, nil)
			if err != nil {
				bad("%s/forms/%s.json: %w", c.Slug, code, err)
				continue
			}
			for _, s := range f.Sections() {
				for _, fl := range s.Fields {
					fields[code] = append(fields[code], fl.Name)
				}
			}
		}
		for code, rs := range c.Rules {
			if !services[code] {
				bad("%s/rules.json: service %s is not in the register", c.Slug, code)
				continue
			}
			if err := rs.Validate(fields[code], grounds[code]); err != nil {
				bad("%s/rules.json: service %s: %w", c.Slug, code, err)
			}
		}
	}
	return errors.Join(errs...)
}

// City is the demo city with slug, and whether there is one.
func (d *Data) City(slug string) (City, bool) {
	i := slices.IndexFunc(d.Cities, func(c City) bool { return c.Slug == slug })
	if i < 0 {
		return City{}, false
	}
	return d.Cities[i], true
}
