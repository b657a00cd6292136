package catalog

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"hromada/apperr"
	"hromada/ukid"
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
	Website    string  `json:"website,omitempty"`
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
// service's content as valid as the editor requires. It is how the demo
// cities' register.json is read; an import decodes with DecodeRegister and
// has the same checks run by PlanImport, row by row, against the register
// the city already has. Fields it does not know are an error, so that a typo
// in a hand-edited file is not silently dropped.
func ReadRegister(r io.Reader) (Register, error) {
	reg, err := DecodeRegister(r)
	if err != nil {
		return Register{}, err
	}
	if ps := registerProblems(reg, nil); len(ps) > 0 {
		errs := make([]error, len(ps))
		for i, p := range ps {
			errs[i] = p
		}
		return Register{}, fmt.Errorf("catalog: register: %w", errors.Join(errs...))
	}
	return reg, nil
}

// ErrMalformedRegister is a file that is not a register at all: not JSON
// or CSV of the open-data format, another schema, an unknown field.
var ErrMalformedRegister = apperr.New(apperr.Invalid, "error.import_malformed")

// DecodeRegister decodes a register in the open-data format without
// checking that it holds together (ReadRegister and PlanImport do). A file
// that does not decode is ErrMalformedRegister, with the decoder's reason
// as Detail.
func DecodeRegister(r io.Reader) (Register, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var doc openDocument
	if err := dec.Decode(&doc); err != nil {
		return Register{}, malformed(fmt.Errorf("catalog: register: %w", err))
	}
	if dec.More() {
		return Register{}, malformed(errors.New("catalog: register: more than one JSON document"))
	}
	if doc.Schema != ServicesSchema {
		return Register{}, malformed(fmt.Errorf("catalog: register: schema %q, want %q", doc.Schema, ServicesSchema))
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
	return reg, nil
}

// malformed is ErrMalformedRegister caused by err: the user sees the key,
// errors.Unwrap and the log the cause.
func malformed(err error) error {
	return &malformedError{err}
}

type malformedError struct{ cause error }

func (e *malformedError) Error() string        { return e.cause.Error() }
func (e *malformedError) Unwrap() []error      { return []error{ErrMalformedRegister, e.cause} }
func (e *malformedError) Is(target error) bool { return target == ErrMalformedRegister }

// Kinds of a register's records, as a Problem and a PlanRow name them.
const (
	KindProvider      = "provider"
	KindLifeSituation = "life_situation"
	KindCentre        = "centre"
	KindService       = "service"
)

// Problem is what is wrong with one record of a register: which (its kind,
// its place in its list from 0, its code), which field, and why, as an
// apperr key the pages and the CLI translate (Err) and as the English line
// ReadRegister's error and the log give (Detail).
type Problem struct {
	Kind   string
	Index  int
	Code   string
	Field  string
	Err    *apperr.Error
	Detail string
}

// Error is the problem as ReadRegister names it: "service 00010: fee_iban:
// error.catalog_iban".
func (p Problem) Error() string {
	code := p.Code
	if strings.TrimSpace(code) == "" {
		code = fmt.Sprintf("#%d", p.Index+1)
	}
	return strings.ReplaceAll(p.Kind, "_", " ") + " " + code + ": " + p.Detail
}

// known are the codes a register's records may refer to beyond its own:
// what the city's register already holds, for an import. Centres map a
// code to its kind.
type known struct {
	providers, situations map[string]bool
	centres               map[string]string
}

// registerProblems is every problem of reg, in its order: codes present
// and unique, names given, centres' parents, services' references (to reg
// or, when k is not nil, to what the city already has) and content
// (Content.Validate). It is the one copy of the checks ReadRegister and
// PlanImport make.
func registerProblems(reg Register, k *known) []Problem {
	var ps []Problem
	bad := func(kind string, i int, code, field string, err *apperr.Error, format string, args ...any) {
		ps = append(ps, Problem{Kind: kind, Index: i, Code: code, Field: field, Err: err, Detail: fmt.Sprintf(format, args...)})
	}
	unique := func(kind string, i int, code string, seen map[string]bool) {
		switch {
		case strings.TrimSpace(code) == "":
			bad(kind, i, code, "code", fe("error.import_code_empty"), "code is empty")
		case seen[code]:
			bad(kind, i, code, "code", fe("error.import_code_duplicate"), "code is not unique")
		}
		seen[code] = true
	}
	if k == nil {
		k = &known{}
	}
	providers, situations, centres, services := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, p := range reg.Providers {
		unique(KindProvider, i, p.Code, providers)
		if strings.TrimSpace(p.Name.UK) == "" {
			bad(KindProvider, i, p.Code, "name.uk", fe("error.catalog_required"), "name.uk is empty")
		}
		if p.EDRPOU != "" && !ukid.ValidEDRPOU(p.EDRPOU) {
			bad(KindProvider, i, p.Code, "edrpou", fe("error.catalog_edrpou"), "edrpou: %q has a wrong check digit", p.EDRPOU)
		}
	}
	for i, ls := range reg.LifeSituations {
		unique(KindLifeSituation, i, ls.Code, situations)
		if strings.TrimSpace(ls.Name.UK) == "" {
			bad(KindLifeSituation, i, ls.Code, "name.uk", fe("error.catalog_required"), "name.uk is empty")
		}
	}
	kinds := maps.Clone(k.centres)
	if kinds == nil {
		kinds = map[string]string{}
	}
	for i, c := range reg.Centres {
		unique(KindCentre, i, c.Code, centres)
		kinds[c.Code] = c.Kind
		if strings.TrimSpace(c.Name.UK) == "" {
			bad(KindCentre, i, c.Code, "name.uk", fe("error.catalog_required"), "name.uk is empty")
		}
	}
	for i, c := range reg.Centres {
		parent := fe("error.import_centre_parent").With(map[string]any{"Code": c.ParentCode})
		switch c.Kind {
		case "centre":
			if c.ParentCode != "" {
				bad(KindCentre, i, c.Code, "parent_code", parent, "parent_code %q: a centre has no parent", c.ParentCode)
			}
		case "branch", "remote":
			if kinds[c.ParentCode] != "centre" {
				bad(KindCentre, i, c.Code, "parent_code", parent, "parent_code %q is not a centre of the register", c.ParentCode)
			}
		default:
			bad(KindCentre, i, c.Code, "kind", fe("error.import_centre_kind").With(map[string]any{"Kind": c.Kind}),
				"kind %q, want centre, branch or remote", c.Kind)
		}
	}
	for i, s := range reg.Services {
		c := s.Content
		unique(KindService, i, c.Code, services)
		if !providers[s.Provider] && !k.providers[s.Provider] {
			bad(KindService, i, c.Code, "provider", fe("error.import_unknown_provider").With(map[string]any{"Code": s.Provider}),
				"provider %q is not in the register", s.Provider)
		}
		for _, u := range c.UserCategories {
			if u != Individual && u != LegalEntity {
				bad(KindService, i, c.Code, "user_categories", fe("error.import_user_category").With(map[string]any{"Value": u}),
					"user_categories: %q, want %s or %s", u, Individual, LegalEntity)
			}
		}
		for _, code := range c.LifeSituations {
			if !situations[code] && !k.situations[code] {
				bad(KindService, i, c.Code, "life_situations", fe("error.import_unknown_situation").With(map[string]any{"Code": code}),
					"life_situations: %q is not in the register", code)
			}
		}
		for _, code := range c.Centres {
			if _, ok := kinds[code]; !ok {
				bad(KindService, i, c.Code, "centres", fe("error.import_unknown_centre").With(map[string]any{"Code": code}),
					"centres: %q is not in the register", code)
			}
		}
		fes := c.Validate()
		for _, field := range slices.Sorted(maps.Keys(fes)) {
			bad(KindService, i, c.Code, field, fes[field], "%s: %s", field, fes[field].Key)
		}
	}
	return ps
}

// DecodeRegisterCSV decodes services.csv (CSVHeader, docs/opendata.md): a
// register of services only, each with the fields the CSV carries. The
// providers, life situations and centres the rows name must be in the
// city's register already, and a service the city has keeps what the CSV
// does not carry (its summary, conditions, appeal, FAQ, centres, English
// texts of lists that did not change); a new service needs those, so it is
// refused unless it comes in services.json. The header must be CSVHeader's,
// in its order; url is ignored. A file that does not decode is
// ErrMalformedRegister.
func DecodeRegisterCSV(r io.Reader) (Register, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(CSVHeader)
	head, err := cr.Read()
	if err != nil {
		return Register{}, malformed(fmt.Errorf("catalog: register csv: %w", err))
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	if !slices.Equal(head, CSVHeader) {
		return Register{}, malformed(fmt.Errorf("catalog: register csv: header %q, want %q", head, CSVHeader))
	}
	reg := Register{fromCSV: true}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Register{}, malformed(fmt.Errorf("catalog: register csv: %w", err))
		}
		col := func(name string) string { return strings.TrimSpace(rec[slices.Index(CSVHeader, name)]) }
		list := func(name string) []string {
			var out []string
			for _, p := range strings.Split(col(name), "|") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			return out
		}
		texts := func(name string) []Text {
			var out []Text
			for _, p := range list(name) {
				out = append(out, Text{UK: p})
			}
			return out
		}
		flag := func(name string) (bool, error) {
			b, err := strconv.ParseBool(col(name))
			if err != nil {
				return false, malformed(fmt.Errorf("catalog: register csv: line %d: %s: %q is not true or false", line, name, col(name)))
			}
			return b, nil
		}
		c := Content{Code: col("code"), Name: Text{UK: col("name_uk"), EN: col("name_en")}, UserCategories: list("user_categories"),
			WaysToSubmit: list("ways_to_submit"), LifeSituations: list("life_situations"), Categories: list("categories"),
			LegalBasis: texts("legal_basis"), Documents: documents(texts("documents")), Result: Text{UK: col("result")},
			Fee: Fee{IBAN: col("iban"), Recipient: col("recipient"), EDRPOU: col("recipient_edrpou"), Purpose: col("purpose")}}
		if c.Term.Days, err = strconv.Atoi(col("term_days")); err != nil {
			return Register{}, malformed(fmt.Errorf("catalog: register csv: line %d: term_days: %q is not a number", line, col("term_days")))
		}
		if c.Term.Working, err = flag("term_working"); err != nil {
			return Register{}, err
		}
		if c.Fee.Free, err = flag("free"); err != nil {
			return Register{}, err
		}
		if a := col("amount_uah"); a != "" {
			uah, err := strconv.ParseFloat(strings.Replace(a, ",", ".", 1), 64)
			// "NaN", "-5" and "1e300" parse too: a fee is a real amount
			// below the editor's bound, never a float's conversion to
			// int64, which is undefined out of range (FuzzDecodeRegisterCSV).
			if err != nil || !(uah >= 0 && uah < 1e9) {
				return Register{}, malformed(fmt.Errorf("catalog: register csv: line %d: amount_uah: %q is not an amount", line, a))
			}
			c.Fee.AmountKopecks = int64(math.Round(uah * 100))
		}
		reg.Services = append(reg.Services, RegisteredService{Provider: col("provider"), Content: c})
	}
	return reg, nil
}

// overCSV is the content a services.csv row (c) gives a service whose
// content was base: the CSV's columns over the rest of base. A list or a
// text whose Ukrainian is unchanged keeps base's (and its English).
func overCSV(base, c Content) Content {
	out := base
	out.Code, out.Name, out.UserCategories, out.Term = c.Code, c.Name, c.UserCategories, c.Term
	out.WaysToSubmit, out.LifeSituations, out.Categories = c.WaysToSubmit, c.LifeSituations, c.Categories
	fee := c.Fee
	if !fee.Free {
		// The CSV has no columns for these: they stay as the register had them.
		fee.Basis, fee.Refundable, fee.PayFirst = base.Fee.Basis, base.Fee.Refundable, base.Fee.PayFirst
	}
	out.Fee = fee
	sameUK := func(a, b []Text) bool {
		return slices.EqualFunc(a, b, func(x, y Text) bool { return x.UK == y.UK })
	}
	if !sameUK(base.LegalBasis, c.LegalBasis) {
		out.LegalBasis = c.LegalBasis
	}
	// The CSV names the documents only: with the same names, the base's
	// items keep what else they say.
	if !sameUK(names(base.Documents), names(c.Documents)) {
		out.Documents = c.Documents
	}
	if base.Result.UK != c.Result.UK {
		out.Result = c.Result
	}
	return out
}

// DecodeRegisterFile decodes a register file by its name's extension:
// services.csv's format for .csv, services.json's otherwise.
func DecodeRegisterFile(name string, r io.Reader) (Register, error) {
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		return DecodeRegisterCSV(r)
	}
	return DecodeRegister(r)
}

// documents are documents needed always, a copy of each will do, with
// names.
func documents(names []Text) []Document {
	out := make([]Document, len(names))
	for i, n := range names {
		out[i] = Document{Text: n}
	}
	return out
}
