package participation

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
)

// Indicator is one line of participation's open data: how many people
// took part in a petition or a poll from one place, where the residents'
// register placed them (at the vote; at the signature). District is the
// codifier's code of a district of the city (or of the city, where the
// register names no district); empty for the people from outside the city
// (DistrictName "за межами громади"), those the register did not place
// (DistrictName "невідомо"), the districts of a petition with fewer than 5
// signers each, merged (DistrictName "інші райони (менше 5 у кожному)"),
// and a petition still collecting, which is one line of its whole count
// (see PublicDistricts).
type Indicator struct {
	Kind         string `json:"kind"` // petition or poll
	ID           string `json:"id"`
	Title        string `json:"title"`
	Status       string `json:"status"`
	District     string `json:"katottg,omitempty"`
	DistrictName string `json:"district,omitempty"`
	People       int    `json:"people"`
}

// The names open data gives the places that are not a district.
const (
	outsideName = "за межами громади"
	unknownName = "невідомо"
	fewName     = "інші райони (менше 5 у кожному)"
)

// Indicators returns participation in every published petition and poll,
// by district. Counts of people only: nothing about anyone.
func (s *Service) Indicators(ctx context.Context) ([]Indicator, error) {
	var out []Indicator
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		ps, err := listPetitions(ctx, tx, false)
		if err != nil {
			return err
		}
		slices.SortStableFunc(ps, func(a, b *Petition) int { return cmp.Compare(a.Title, b.Title) })
		now := s.now()
		for _, p := range ps {
			if p.Districts, err = petitionDistricts(ctx, tx, p); err != nil {
				return err
			}
			ds := p.PublicDistricts(now)
			if ds == nil && p.Signatures > 0 {
				// While it collects: the whole count, not by district.
				ds = []DistrictCount{{Place: PlaceAll, People: p.Signatures}}
			}
			out = append(out, indicators("petition", p.ID.String(), p.Title, p.Status, ds)...)
		}
		polls, err := listPolls(ctx, tx, false, nil)
		if err != nil {
			return err
		}
		slices.SortStableFunc(polls, func(a, b *Poll) int { return cmp.Compare(a.Title, b.Title) })
		for _, p := range polls {
			ds, err := pollDistricts(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			out = append(out, indicators("poll", p.ID.String(), p.Title, p.Status, ds)...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("participation: indicators: %w", err)
	}
	return out, nil
}

// indicators are the lines of one petition or poll; one with nobody yet
// is a line of 0 people, so that every published one is in the data.
func indicators(kind, id, title, status string, ds []DistrictCount) []Indicator {
	if len(ds) == 0 {
		return []Indicator{{Kind: kind, ID: id, Title: title, Status: status}}
	}
	var out []Indicator
	for _, d := range ds {
		i := Indicator{Kind: kind, ID: id, Title: title, Status: status, District: d.Code, DistrictName: d.Name, People: d.People}
		switch d.Place {
		case PlaceOutside:
			i.DistrictName = outsideName
		case PlaceUnknown:
			i.DistrictName = unknownName
		case PlaceFew:
			i.DistrictName = fewName
		}
		out = append(out, i)
	}
	return out
}

// openDataRoutes mounts the indicators as open data:
//
//	GET /opendata/participation.json   public
//	GET /opendata/participation.csv    public
func (h *HTTP) openDataRoutes(r chi.Router, g *access.Guard) {
	g.Public(r, http.MethodGet, "/opendata/participation.json", h.handleOpenJSON)
	g.Public(r, http.MethodGet, "/opendata/participation.csv", h.handleOpenCSV)
}

func (h *HTTP) handleOpenJSON(w http.ResponseWriter, r *http.Request) {
	ind, err := h.svc.Indicators(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if ind == nil {
		ind = []Indicator{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"indicators": ind})
}

func (h *HTTP) handleOpenCSV(w http.ResponseWriter, r *http.Request) {
	ind, err := h.svc.Indicators(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="participation.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"kind", "id", "title", "status", "katottg", "district", "people"})
	for _, i := range ind {
		_ = cw.Write([]string{i.Kind, i.ID, i.Title, i.Status, i.District, i.DistrictName, strconv.Itoa(i.People)})
	}
	cw.Flush()
}
