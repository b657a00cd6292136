package participation

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
)

// Indicator is one line of participation's open data: how many people
// took part in a petition or a poll, by the place they are registered in
// (polls: the register's answer at the vote; petitions keep no place, so
// theirs is the whole city, District empty).
type Indicator struct {
	Kind         string `json:"kind"` // petition or poll
	ID           string `json:"id"`
	Title        string `json:"title"`
	Status       string `json:"status"`
	District     string `json:"katottg,omitempty"`
	DistrictName string `json:"district,omitempty"`
	People       int    `json:"people"`
}

// Indicators returns participation in every published petition and poll,
// polls by district. Counts of people only: nothing about anyone.
func (s *Service) Indicators(ctx context.Context) ([]Indicator, error) {
	var out []Indicator
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT 'petition', id::text, title, status, '', '', signatures FROM petitions WHERE published_at IS NOT NULL
			UNION ALL
			SELECT 'poll', p.id::text, p.title, p.status, b.katottg, coalesce(k.name, ''), count(*)::int
			FROM polls p JOIN poll_ballots b ON b.poll_id = p.id LEFT JOIN katottg k ON k.code = b.katottg
			WHERE p.status <> 'draft' GROUP BY p.id, p.title, p.status, b.katottg, k.name
			ORDER BY 1, 3, 5`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Indicator, error) {
			var i Indicator
			return i, r.Scan(&i.Kind, &i.ID, &i.Title, &i.Status, &i.District, &i.DistrictName, &i.People)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("participation: indicators: %w", err)
	}
	return out, nil
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
