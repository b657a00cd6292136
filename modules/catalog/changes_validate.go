package catalog

import (
	"net/mail"
	"net/url"
	"strings"

	"hromada/ukid"
)

// Centre kinds (seed 000 annex 2): the centre, its territorial branches and
// its remote workplaces.
var CentreKinds = []string{"centre", "branch", "remote"}

// Ukraine's bounds, roughly: typed coordinates outside them are a slip
// (swapped or mistyped), not a centre.
const (
	minLat, maxLat = 44.0, 52.5
	minLon, maxLon = 22.0, 40.5
)

// validate checks a proposed entity's own fields (what it refers to is
// checkReferences'), by form field.
func (ch *Change) validate() FieldErrors {
	e := FieldErrors{}
	switch {
	case ch.Provider != nil:
		p := ch.Provider
		e.text("kind", p.Kind, maxShort, true)
		e.text("name_uk", p.Name.UK, maxShort, true)
		e.text("name_en", p.Name.EN, maxShort, false)
		if !ukid.ValidEDRPOU(p.EDRPOU) {
			e["edrpou"] = fe("error.catalog_edrpou")
		}
		e.text("address_uk", p.Address.UK, maxShort, true)
		e.contacts(p.Phone, p.Email, p.Website)
		e.text("hours_uk", p.Hours.UK, maxShort*4, false)
		e.lines("units", p.Units, false)
		if len(p.Responsible) == 0 {
			e["responsible"] = fe("error.register_responsible")
		}
		for _, r := range p.Responsible {
			if strings.TrimSpace(r.Name) == "" || strings.TrimSpace(r.Phone) == "" || !validEmail(r.Email) {
				e["responsible"] = fe("error.register_responsible")
			}
			for _, s := range []string{r.Name, r.Unit, r.Phone, r.Email} {
				e.text("responsible", s, maxShort, false)
			}
		}
	case ch.Centre != nil:
		c := ch.Centre
		switch {
		case c.Kind == "centre" && c.ParentCode != "":
			e["parent_code"] = fe("error.register_parent")
		case c.Kind == "branch" || c.Kind == "remote":
			if c.ParentCode == "" {
				e["parent_code"] = fe("error.register_parent")
			}
		case c.Kind != "centre":
			e["kind"] = fe("error.register_centre_kind")
		}
		e.text("body", c.Body, maxShort, true)
		if !ukid.ValidEDRPOU(c.BodyEDRPOU) {
			e["body_edrpou"] = fe("error.catalog_edrpou")
		}
		e.text("name_uk", c.Name.UK, maxShort, true)
		e.text("name_en", c.Name.EN, maxShort, false)
		e.text("address_uk", c.Address.UK, maxShort, true)
		e.text("hours_uk", c.Hours.UK, maxShort*4, true)
		e.contacts(c.Phone, c.Email, c.Website)
		// Written so that NaN (which ParseFloat accepts from the form) fails
		// the range as well: every comparison with NaN is false.
		inUkraine := c.Lat >= minLat && c.Lat <= maxLat && c.Lon >= minLon && c.Lon <= maxLon
		if (c.Lat != 0 || c.Lon != 0) && !inUkraine {
			e["lat"] = fe("error.register_coordinates")
		}
	case ch.LifeSituation != nil:
		ls := ch.LifeSituation
		e.text("name_uk", ls.Name.UK, maxShort, true)
		e.text("name_en", ls.Name.EN, maxShort, false)
		e.text("description_uk", ls.Description.UK, maxLong, false)
		e.text("description_en", ls.Description.EN, maxLong, false)
		if ls.Position < 0 || ls.Position > 9999 {
			e["position"] = fe("error.register_position")
		}
	}
	if len(ch.Services) > maxItems*10 {
		e["services"] = fe("error.catalog_too_many").With(map[string]any{"Max": maxItems * 10})
	}
	return e
}

// contacts checks a phone (required), an e-mail and a website (optional).
func (e FieldErrors) contacts(phone, email, website string) {
	e.text("phone", phone, 50, true)
	if email != "" && !validEmail(email) {
		e["email"] = fe("error.register_email")
	}
	if website != "" {
		u, err := url.Parse(website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(website) > maxShort {
			e["website"] = fe("error.register_website")
		}
	}
}

// validEmail reports whether s is one plain address.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}
