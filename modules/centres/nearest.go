package centres

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The nearest centre (issue 19): the map's list sorted by the distance
// from a point the person types ("50.4501, 30.5234") or the browser's
// geolocation fills in (centres-map.js, «Найближчий до мене»). The sort
// is the server's, so it works without script and from the keyboard.

// ParsePoint reads "lat, lon" (a comma or a space between; a decimal
// comma is not taken); ok false for anything else or a point off Earth.
func ParsePoint(s string) (lat, lon float64, ok bool) {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
	if len(f) != 2 {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(f[0], 64)
	lon, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, false
	}
	return lat, lon, true
}

// DistanceKm is the great-circle distance between two points, in km.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earth = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earth * math.Asin(math.Min(1, math.Sqrt(a)))
}

// byDistance sorts items by their distance from (lat, lon), those without
// coordinates last, and sets each one's Km.
func byDistance(items []mapItem, lat, lon float64) {
	for i := range items {
		items[i].Km = -1
		if items[i].Lat != 0 || items[i].Lon != 0 {
			items[i].Km = DistanceKm(lat, lon, items[i].Lat, items[i].Lon)
		}
	}
	slices.SortStableFunc(items, func(a, b mapItem) int {
		switch {
		case a.Km < 0 && b.Km < 0:
			return 0
		case a.Km < 0:
			return 1
		case b.Km < 0:
			return -1
		}
		return cmp.Compare(a.Km, b.Km)
	})
}
