package appeals

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"hromada/tenant"
	"hromada/web"
)

// The public pages: the list of published appeals with its filters and
// pages, the same appeals as pins on a map beside it, and one appeal's
// page. The list is the page itself — read and used without the map,
// with a keyboard or a screen reader, or without script; the map is
// Leaflet as the centres' map has it (web/static/js/appeals-map.js).

// publicData is the public list's page.
type publicData struct {
	*PublicPage
	Filter     PublicFilter
	Categories []Category
	Districts  []District
	Points     string // JSON of the page's pins, for appeals-map.js
	Tiles      string
	Centre     string
	Prev, Next string // the neighbouring pages' links, "" for none
}

// pin is a public appeal as appeals-map.js draws it.
type pin struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Status string  `json:"status"`
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
}

func (h *HTTP) handlePublic(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := PublicFilter{Category: q.Get("category"), Status: q.Get("status"), District: q.Get("district"), Page: page}
	if f.Status != "open" && f.Status != "answered" {
		f.Status = ""
	}
	p, err := h.Svc.PublicList(r.Context(), f)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	lists, err := h.Svc.Lists(r.Context())
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	l := h.RD.Localizer(r)
	d := publicData{PublicPage: p, Filter: f, Districts: lists.Districts, Tiles: h.Tiles, Centre: lists.Centre}
	for _, c := range lists.Categories {
		if c.Public {
			d.Categories = append(d.Categories, c)
		}
	}
	pins := []pin{}
	for _, a := range p.Appeals {
		if a.Lat != nil {
			pins = append(pins, pin{ID: a.ID.String(), Title: a.Category.In(l.Lang) + " · " + a.ReceivedAt.In(tenant.Zone).Format("02.01.2006"),
				Status: l.T("appeals.status_" + string(a.Status)), Lat: *a.Lat, Lon: *a.Lon})
		}
	}
	raw, err := json.Marshal(pins)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	d.Points = string(raw)
	link := func(n int) string {
		v := url.Values{}
		for k, s := range map[string]string{"category": f.Category, "status": f.Status, "district": f.District} {
			if s != "" {
				v.Set(k, s)
			}
		}
		v.Set("page", strconv.Itoa(n))
		return "/appeals/public?" + v.Encode()
	}
	if p.Page > 1 {
		d.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		d.Next = link(p.Page + 1)
	}
	h.RD.Render(w, r, http.StatusOK, "appeals/public", &web.Page{TitleKey: "appeals.public_title", Data: d})
}

// publicOneData is one published appeal's page.
type publicOneData struct {
	Appeal *PublicAppeal
	Points string
	Tiles  string
}

func (h *HTTP) handlePublicOne(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	a, err := h.Svc.PublicOne(r.Context(), id)
	if err != nil {
		h.RD.Error(w, r, err)
		return
	}
	d := publicOneData{Appeal: a, Tiles: h.Tiles, Points: "[]"}
	if a.Lat != nil {
		raw, err := json.Marshal([]pin{{ID: a.ID.String(), Title: a.Category.In(h.RD.Localizer(r).Lang), Lat: *a.Lat, Lon: *a.Lon}})
		if err != nil {
			h.RD.Error(w, r, err)
			return
		}
		d.Points = string(raw)
	}
	h.RD.Render(w, r, http.StatusOK, "appeals/public_one", &web.Page{TitleKey: "appeals.public_one_title", Data: d})
}
