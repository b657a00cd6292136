package centres

import (
	"encoding/json"
	"net/http"

	"hromada/web"
)

// The map of the city's centres (issue 19): Leaflet, vendored from npm in
// web/static/vendor/leaflet (.ci/check-leaflet.sh proves the files are the
// pinned release), draws the centres from the data the page carries; the
// list beside it is the page itself, read and used without the map (the
// keyboard's and the screen reader's way, and the way without script).
// Tiles come from HROMADA_MAP_TILES on the portal's own origin, or none.

// mapView is the map page.
type mapView struct {
	Centres []mapItem
	Points  string // JSON of the markers, for map.js
	Tiles   string
}

type mapItem struct {
	MapCentre
	Next string // "пн, 07.12.2026, 08:00", or ""
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
	v := &mapView{Tiles: h.tiles}
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
	raw, err := json.Marshal(pts)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	v.Points = string(raw)
	h.rd.Render(w, r, http.StatusOK, "centres/map", &web.Page{TitleKey: "centres.map_title", Data: v})
}
