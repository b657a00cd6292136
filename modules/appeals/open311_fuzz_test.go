package appeals

import (
	"math"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzOpen311Post takes an Open311 POST /requests body as a client sends
// it (a form) and checks what File311 checks before anything is stored:
// an appeal whose fields pass has a body of 10–10 000 characters and
// either no point or a real one (a finite latitude in −90…90 and longitude
// in −180…180), so that nothing else reaches the database or the map.
// The text published back through Open311 is scrubbed: no e-mail address
// or phone number is left in it, and scrubbing again changes nothing.
func FuzzOpen311Post(f *testing.F) {
	for _, s := range []string{
		"api_key=k&service_code=roads&description=Яма+на+дорозі+біля+будинку+5&lat=50.4501&long=30.5234&first_name=Олена&last_name=Шевченко&email=olena%40example.com",
		"service_code=lighting&description=Не+світить+ліхтар,+дзвоніть+%2B380+67+123+45+67&address_string=вул.+Хрещатик,+1&phone=0671234567",
		"service_code=x&description=коротко&lat=50,45&long=30,52",
		"service_code=x&description=достатньо+довгий+текст&lat=NaN&long=NaN",
		"service_code=x&description=достатньо+довгий+текст&lat=Inf&long=-Inf",
		"service_code=x&description=достатньо+довгий+текст&lat=91&long=0",
		"service_code=x&description=достатньо+довгий+текст&lat=&long=30",
		"service_code=x&description=%20%20%20&lat=0x1p-2&long=1e2",
		"%zz=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return // the handler answers 400
		}
		fl := Filing{Kind: Statement, Public: true, Category: v.Get("service_code"), Body: v.Get("description"),
			Address: v.Get("address_string"), Lat: v.Get("lat"), Lon: v.Get("long")}
		errs, lat, lon := fl.validate()
		if _, bad := errs["body"]; !bad {
			if n := utf8.RuneCountInString(fl.Body); n < minBody || n > maxBody || fl.Body != strings.TrimSpace(fl.Body) {
				t.Fatalf("body of %d characters passed: %q", n, fl.Body)
			}
		}
		if _, bad := errs["point"]; !bad {
			if (lat == nil) != (lon == nil) {
				t.Fatalf("half a point: %v %v", lat, lon)
			}
			if lat != nil && !(*lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180) {
				t.Fatalf("point (%v, %v) passed from lat=%q long=%q", *lat, *lon, fl.Lat, fl.Lon)
			}
			if lat != nil && (math.IsNaN(*lat) || math.IsNaN(*lon)) {
				t.Fatalf("NaN point passed from lat=%q long=%q", fl.Lat, fl.Lon)
			}
		} else if lat != nil || lon != nil {
			t.Fatal("a refused point is still returned")
		}
		for _, text := range []string{fl.Body, v.Get("description")} {
			s := Scrub(text)
			if personal.MatchString(s) {
				t.Fatalf("Scrub(%q) = %q still names a person: %q", text, s, personal.FindString(s))
			}
			if Scrub(s) != s {
				t.Fatalf("Scrub is not stable on %q", text)
			}
		}
	})
}
