package catalog

import (
	"net/url"
	"strconv"
	"strings"
)

// The change forms' fields, read into an Entity and written back from one.
// The responsible officials are rows of four inputs (resp_name, resp_unit,
// resp_phone, resp_email); a row left blank is no official.

// blankResponsible is how many empty rows the form offers after the
// officials it has.
const blankResponsible = 2

// formValues are an entity's fields as its form shows them.
func formValues(e Entity) url.Values {
	v := url.Values{}
	switch {
	case e.Provider != nil:
		p := e.Provider
		set(v, "kind", p.Kind, "name_uk", p.Name.UK, "name_en", p.Name.EN, "edrpou", p.EDRPOU, "address_uk", p.Address.UK,
			"address_en", p.Address.EN, "phone", p.Phone, "email", p.Email, "website", p.Website, "hours_uk", p.Hours.UK,
			"hours_en", p.Hours.EN, "units", lines(p.Units))
		for _, r := range p.Responsible {
			v.Add("resp_name", r.Name)
			v.Add("resp_unit", r.Unit)
			v.Add("resp_phone", r.Phone)
			v.Add("resp_email", r.Email)
		}
	case e.Centre != nil:
		c := e.Centre
		set(v, "kind", c.Kind, "parent_code", c.ParentCode, "body", c.Body, "body_edrpou", c.BodyEDRPOU, "name_uk", c.Name.UK,
			"name_en", c.Name.EN, "address_uk", c.Address.UK, "address_en", c.Address.EN, "hours_uk", c.Hours.UK, "hours_en", c.Hours.EN,
			"phone", c.Phone, "email", c.Email, "website", c.Website)
		if c.Lat != 0 || c.Lon != 0 {
			set(v, "lat", strconv.FormatFloat(c.Lat, 'f', -1, 64), "lon", strconv.FormatFloat(c.Lon, 'f', -1, 64))
		}
	case e.LifeSituation != nil:
		ls := e.LifeSituation
		set(v, "name_uk", ls.Name.UK, "name_en", ls.Name.EN, "description_uk", ls.Description.UK, "description_en", ls.Description.EN,
			"position", strconv.Itoa(ls.Position))
	}
	v["services"] = e.Services
	return v
}

func set(v url.Values, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
}

// readEntity reads the posted form of kind; what cannot be read at all (a
// coordinate or a position that is not a number) is its field's problem.
func readEntity(kind string, v url.Values) (Entity, FieldErrors) {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	text := func(k string) Text { return Text{UK: get(k + "_uk"), EN: get(k + "_en")} }
	errs := FieldErrors{}
	var e Entity
	switch kind {
	case KindProvider:
		e.Provider = &Provider{Kind: get("kind"), Name: text("name"), EDRPOU: get("edrpou"), Address: text("address"),
			Phone: get("phone"), Email: get("email"), Website: get("website"), Hours: text("hours"), Units: splitLines(v.Get("units")),
			Responsible: readResponsible(v)}
	case KindCentre:
		c := &Centre{Kind: get("kind"), ParentCode: get("parent_code"), Body: get("body"), BodyEDRPOU: get("body_edrpou"),
			Name: text("name"), Address: text("address"), Hours: text("hours"), Phone: get("phone"), Email: get("email"),
			Website: get("website")}
		if c.Kind == "centre" {
			c.ParentCode = ""
		}
		if get("lat") != "" || get("lon") != "" {
			lat, err1 := strconv.ParseFloat(strings.ReplaceAll(get("lat"), ",", "."), 64)
			lon, err2 := strconv.ParseFloat(strings.ReplaceAll(get("lon"), ",", "."), 64)
			if err1 != nil || err2 != nil {
				errs["lat"] = fe("error.register_coordinates")
			}
			c.Lat, c.Lon = lat, lon
		}
		e.Centre = c
	default:
		ls := &LifeSituation{Name: text("name"), Description: text("description")}
		if p := get("position"); p != "" {
			var err error
			if ls.Position, err = strconv.Atoi(p); err != nil {
				errs["position"] = fe("error.register_position")
			}
		}
		e.LifeSituation = ls
	}
	if kind != KindProvider {
		e.Services = v["services"]
	}
	return e, errs
}

// readResponsible reads the officials' rows, skipping blank ones.
func readResponsible(v url.Values) []Responsible {
	var out []Responsible
	for i, name := range v["resp_name"] {
		at := func(k string) string {
			if vs := v[k]; i < len(vs) {
				return strings.TrimSpace(vs[i])
			}
			return ""
		}
		r := Responsible{Name: strings.TrimSpace(name), Unit: at("resp_unit"), Phone: at("resp_phone"), Email: at("resp_email")}
		if r != (Responsible{}) {
			out = append(out, r)
		}
	}
	return out
}

// responsibleRows are the officials' rows the form shows: those typed or
// published, then blank ones.
func responsibleRows(v url.Values) []Responsible {
	return append(readResponsible(v), make([]Responsible, blankResponsible)...)
}
