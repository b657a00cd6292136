package appeals

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/tenant"
)

// Routing (art. 7; the anchors are FixMyStreet's category × area and
// DIGIT's GRO → LME assignment): the city's rules send an appeal of a
// category, in a district, whose text has one of a rule's keywords, to a
// provider and its unit. The most specific matching rule wins — a rule of
// the appeal's district over one of any district, a rule whose keyword
// the text has over one without keywords — then the lowest position. A
// complaint never goes to the provider it is about: that provider's rules
// are passed over (and the table's CHECK refuses it whatever the code
// does). No rule: the appeal waits for the dispatcher.

// Rule is a routing rule.
type Rule struct {
	ID         uuid.UUID
	CategoryID uuid.UUID
	Category   tenant.Text
	District   string // '' any
	// DistrictName is the district's name, as the page shows it.
	DistrictName tenant.Text
	Keywords     []string
	ProviderID   uuid.UUID
	Provider     tenant.Text
	Unit         string
	Position     int
}

// Routed is where routing sends an appeal: Rule nil when no rule matched
// (the dispatcher's to send).
type Routed struct {
	Rule *Rule
}

// Provider is the provider routed to, nil for the dispatcher.
func (r Routed) Provider() *uuid.UUID {
	if r.Rule == nil {
		return nil
	}
	return &r.Rule.ProviderID
}

// Unit is the unit routed to.
func (r Routed) Unit() string {
	if r.Rule == nil {
		return ""
	}
	return r.Rule.Unit
}

// route picks the rule for an appeal of category in district with body,
// never one sending it to exclude (the provider a complaint is about).
func route(rules []Rule, category uuid.UUID, district, body string, exclude *uuid.UUID) Routed {
	text := strings.ToLower(body)
	best, bestScore := -1, -1
	for i, r := range rules {
		if r.CategoryID != category || (exclude != nil && r.ProviderID == *exclude) {
			continue
		}
		score := 0
		if r.District != "" {
			if r.District != district {
				continue
			}
			score += 2
		}
		if len(r.Keywords) > 0 {
			if !slices.ContainsFunc(r.Keywords, func(k string) bool { return k != "" && strings.Contains(text, strings.ToLower(k)) }) {
				continue
			}
			score++
		}
		if score > bestScore || (score == bestScore && r.Position < rules[best].Position) {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return Routed{}
	}
	r := rules[best]
	return Routed{Rule: &r}
}

func rules(ctx context.Context, tx pgx.Tx) ([]Rule, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.category_id, c.name_uk, c.name_en, r.district, coalesce(d.name_uk, r.district), coalesce(d.name_en, ''),
			r.keywords, r.provider_id, p.name_uk, p.name_en, r.unit, r.position
		FROM appeal_routes r JOIN appeal_categories c ON c.tenant_id = r.tenant_id AND c.id = r.category_id
		JOIN providers p ON p.tenant_id = r.tenant_id AND p.id = r.provider_id
		LEFT JOIN appeal_districts d ON d.tenant_id = r.tenant_id AND d.code = r.district
		ORDER BY c.position, c.code, r.position, r.id`)
	if err != nil {
		return nil, fmt.Errorf("appeals: routing rules: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Rule, error) {
		var r Rule
		return r, row.Scan(&r.ID, &r.CategoryID, &r.Category.UK, &r.Category.EN, &r.District, &r.DistrictName.UK, &r.DistrictName.EN, &r.Keywords, &r.ProviderID, &r.Provider.UK, &r.Provider.EN, &r.Unit, &r.Position)
	})
}

// RuleForm is a rule as the dispatcher types it.
type RuleForm struct {
	Category string // code
	District string
	Keywords string // comma-separated
	Provider string // id
	Unit     string
	Position string
}

// Routing is the dispatcher's page: the rules and what they choose from.
type Routing struct {
	Rules      []Rule
	Categories []Category
	Districts  []District
	Providers  []ProviderName
}

// ProviderName is a provider as lists name it.
type ProviderName struct {
	ID   uuid.UUID
	Name tenant.Text
}

func providers(ctx context.Context, tx pgx.Tx) ([]ProviderName, error) {
	rows, err := tx.Query(ctx, `SELECT id, name_uk, name_en FROM providers ORDER BY name_uk`)
	if err != nil {
		return nil, fmt.Errorf("appeals: providers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProviderName, error) {
		var p ProviderName
		return p, r.Scan(&p.ID, &p.Name.UK, &p.Name.EN)
	})
}

// Routing reads the rules and the lists the editor offers, in one read.
func (s *Service) Routing(ctx context.Context) (*Routing, error) {
	var out Routing
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if out.Rules, err = rules(ctx, tx); err != nil {
			return err
		}
		if out.Categories, err = categories(ctx, tx); err != nil {
			return err
		}
		if out.Districts, err = districts(ctx, tx); err != nil {
			return err
		}
		out.Providers, err = providers(ctx, tx)
		return err
	})
	return &out, err
}

// parseRule checks a typed rule against the city's lists; errs maps a
// field to its message id.
func parseRule(f RuleForm, rt *Routing) (Rule, map[string]string) {
	errs := map[string]string{}
	var r Rule
	i := slices.IndexFunc(rt.Categories, func(c Category) bool { return c.Code == f.Category })
	if i < 0 {
		errs["category"] = "appeals.error_category"
	} else {
		r.CategoryID = rt.Categories[i].ID
	}
	r.District = strings.TrimSpace(f.District)
	if r.District != "" && !slices.ContainsFunc(rt.Districts, func(d District) bool { return d.Code == r.District }) {
		errs["district"] = "appeals.error_district"
	}
	for k := range strings.SplitSeq(f.Keywords, ",") {
		if k = strings.TrimSpace(k); k != "" {
			r.Keywords = append(r.Keywords, k)
		}
	}
	id, err := uuid.Parse(f.Provider)
	if err != nil || !slices.ContainsFunc(rt.Providers, func(p ProviderName) bool { return p.ID == id }) {
		errs["provider"] = "appeals.error_provider"
	}
	r.ProviderID = id
	r.Unit = strings.TrimSpace(f.Unit)
	if p := strings.TrimSpace(f.Position); p != "" {
		if _, err := fmt.Sscan(p, &r.Position); err != nil {
			errs["position"] = "appeals.error_position"
		}
	}
	return r, errs
}

// AddRule adds a routing rule; the field errors when the form is wrong
// (nothing saved).
func (s *Service) AddRule(ctx context.Context, f RuleForm) (map[string]string, error) {
	var errs map[string]string
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rt := Routing{}
		var err error
		if rt.Categories, err = categories(ctx, tx); err != nil {
			return err
		}
		if rt.Districts, err = districts(ctx, tx); err != nil {
			return err
		}
		if rt.Providers, err = providers(ctx, tx); err != nil {
			return err
		}
		var r Rule
		if r, errs = parseRule(f, &rt); len(errs) > 0 {
			return nil
		}
		return insertRule(ctx, tx, r, signedID(ctx))
	})
	return errs, err
}

func insertRule(ctx context.Context, tx pgx.Tx, r Rule, by *uuid.UUID) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	if r.Keywords == nil {
		r.Keywords = []string{}
	}
	_, err = tx.Exec(ctx, `INSERT INTO appeal_routes (tenant_id, id, category_id, district, keywords, provider_id, unit, position, updated_by)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8)`, id, r.CategoryID, r.District, r.Keywords, r.ProviderID, r.Unit, r.Position, by)
	if err != nil {
		return fmt.Errorf("appeals: add a routing rule: %w", err)
	}
	return nil
}

// DeleteRule removes a routing rule (a second delete changes nothing).
func (s *Service) DeleteRule(ctx context.Context, id uuid.UUID) error {
	return s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM appeal_routes WHERE id = $1`, id)
		return err
	})
}

// DryRun says where an appeal of category in district with body would go
// today, changing nothing: the dispatcher's check of the rules.
func (s *Service) DryRun(ctx context.Context, category, district, body string) (Routed, error) {
	var out Routed
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cs, err := categories(ctx, tx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(cs, func(c Category) bool { return c.Code == category })
		if i < 0 {
			return ErrInvalid
		}
		rs, err := rules(ctx, tx)
		if err != nil {
			return err
		}
		out = route(rs, cs[i].ID, district, body, nil)
		return nil
	})
	return out, err
}

// signedID is the signed-in account of ctx, nil for none.
func signedID(ctx context.Context) *uuid.UUID {
	if sg := identity.SignedFrom(ctx); sg != nil {
		return &sg.AccountID
	}
	return nil
}

// Lists are the city's categories and districts, what the filing form
// offers, and where its map starts.
type Lists struct {
	Categories []Category
	Districts  []District
	// Centre is the map's first view, "lat,lon,zoom": the middle of the
	// city's centres (catalog), or all of Ukraine for a city without them.
	Centre string
}

// ukraine is the map's first view for a city whose centres have no points.
const ukraine = "48.6,31.2,5"

// Lists reads the city's categories and districts in one read.
func (s *Service) Lists(ctx context.Context) (*Lists, error) {
	out := Lists{Centre: ukraine}
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if out.Categories, err = categories(ctx, tx); err != nil {
			return err
		}
		if out.Districts, err = districts(ctx, tx); err != nil {
			return err
		}
		cs, err := catalog.Centres(ctx, tx)
		if err != nil {
			return err
		}
		var lat, lon float64
		var n int
		for _, c := range cs {
			if c.Lat != 0 || c.Lon != 0 {
				lat, lon, n = lat+c.Lat, lon+c.Lon, n+1
			}
		}
		if n > 0 {
			out.Centre = strconv.FormatFloat(lat/float64(n), 'f', 5, 64) + "," + strconv.FormatFloat(lon/float64(n), 'f', 5, 64) + ",13"
		}
		return nil
	})
	return &out, err
}
