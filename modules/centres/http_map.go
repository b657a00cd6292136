package centres

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"

	"hromada/web"
)

// The map of the city's centres (issue 19): Leaflet, vendored from npm in
// web/static/vendor/leaflet (.ci/check-leaflet.sh proves the files are the
// pinned release), draws the centres from the data the page carries; the
// list beside it is the page itself, read and used without the map (the
// keyboard's and the screen reader's way, and the way without script).
// Tiles come from HROMADA_MAP_TILES on the portal's own origin, or none.

// MapAppeal is a published appeal as the map shows it: no personal data
// (the appeals module's public form), only where, what and how it stands.
type MapAppeal struct {
	ID       string
	Category string // in the page's language
	Status   string // the appeals' status key: received, in_work, ...
	Address  string
	Lat, Lon float64
}

// mapView is the map page.
type mapView struct {
	Centres []mapItem
	Appeals []MapAppeal
	Points  string // JSON of the markers, for map.js
	Marks   string // JSON of the appeals' markers
	Tiles   string
	Near    string // the point typed, as typed
	NearErr string // why it was not taken
	Sorted  bool   // the list is by distance from Near
}

type mapItem struct {
	MapCentre
	Next string  // "пн, 07.12.2026, 08:00", or ""
	Km   float64 // from the point typed; -1: unknown
}

// KmText is the distance's number as the list shows it, in km: "0,8",
// "12"; "" when unknown.
func (it mapItem) KmText() string {
	if it.Km < 0 {
		return ""
	}
	if it.Km < 10 {
		return strings.Replace(strconv.FormatFloat(it.Km, 'f', 1, 64), ".", ",", 1)
	}
	return strconv.FormatFloat(math.Round(it.Km), 'f', 0, 64)
}

// point is a marker as map.js reads it.
type point struct {
	Code string  `json:"code"`
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
	Next string  `json:"next,omitempty"`
}

func (h *HTTP) handleMap(w http.ResponseWriter, r *http.Request) {
	cs, err := h.svc.Map(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	l := h.rd.Localizer(r)
	v := &mapView{Tiles: h.tiles, Near: r.URL.Query().Get("near")}
	var pts []point
	for _, c := range cs {
		it := mapItem{MapCentre: c}
		if c.Next != nil {
			it.Next = whenLabel(l, *c.Next)
		}
		v.Centres = append(v.Centres, it)
		if c.Lat != 0 || c.Lon != 0 {
			pts = append(pts, point{Code: c.Code, Name: c.Name.In(l.Lang), Lat: c.Lat, Lon: c.Lon, Next: it.Next})
		}
	}
	if strings.TrimSpace(v.Near) != "" {
		if lat, lon, ok := ParsePoint(v.Near); ok {
			byDistance(v.Centres, lat, lon)
			v.Sorted = true
		} else {
			v.NearErr = l.T("centres.near_error")
		}
	}
	raw, err := json.Marshal(pts)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	v.Points = string(raw)
	if h.Appeals != nil {
		if v.Appeals, err = h.Appeals(r.Context(), l.Lang); err != nil {
			h.rd.Error(w, r, err)
			return
		}
		type mark struct {
			ID     string  `json:"id"`
			Title  string  `json:"title"`
			Status string  `json:"status"`
			Lat    float64 `json:"lat"`
			Lon    float64 `json:"lon"`
		}
		marks := []mark{}
		for _, a := range v.Appeals {
			marks = append(marks, mark{ID: a.ID, Title: a.Category, Status: l.T("appeals.status_" + a.Status), Lat: a.Lat, Lon: a.Lon})
		}
		if raw, err = json.Marshal(marks); err != nil {
			h.rd.Error(w, r, err)
			return
		}
		v.Marks = string(raw)
	}
	// The one page that asks where the person is («Найближчий до мене»,
	// on their click): geolocation for this origin only; every other
	// page keeps the portal's geolocation=() (web.SecurityHeaders).
	w.Header().Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()")
	h.rd.Render(w, r, http.StatusOK, "centres/map", &web.Page{TitleKey: "centres.map_title", Data: v})
}
