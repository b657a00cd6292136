package appeals

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// Classifier is a city's classifier of appeals as its data file holds it
// (demo/<city>/appeals.json): categories, districts and the routing rules,
// whose providers are named by code.
type Classifier struct {
	Categories []ClassifierCategory `json:"categories"`
	Districts  []ClassifierDistrict `json:"districts"`
	Routes     []ClassifierRoute    `json:"routes"`
}

// ClassifierCategory is a category of the file.
type ClassifierCategory struct {
	Code   string      `json:"code"`
	Name   tenant.Text `json:"name"`
	Public bool        `json:"public,omitempty"`
}

// ClassifierDistrict is a district of the file.
type ClassifierDistrict struct {
	Code string      `json:"code"`
	Name tenant.Text `json:"name"`
}

// ClassifierRoute is a routing rule of the file.
type ClassifierRoute struct {
	Category string   `json:"category"`
	District string   `json:"district,omitempty"`
	Keywords []string `json:"keywords,omitempty"`
	Provider string   `json:"provider"` // its code
	Unit     string   `json:"unit,omitempty"`
}

// LoadClassifier puts a city's classifier in place: the categories and
// districts it lacks, and the routing rules while the city has none (once
// the dispatcher has edited them they are the dispatcher's). Running it
// again changes nothing.
func LoadClassifier(ctx context.Context, tx pgx.Tx, c Classifier) error {
	for i, cat := range c.Categories {
		_, err := tx.Exec(ctx, `INSERT INTO appeal_categories (tenant_id, id, code, name_uk, name_en, public, position)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, code) DO NOTHING`,
			uuid.New(), cat.Code, cat.Name.UK, cat.Name.EN, cat.Public, i)
		if err != nil {
			return fmt.Errorf("appeals: category %s: %w", cat.Code, err)
		}
	}
	for _, d := range c.Districts {
		_, err := tx.Exec(ctx, `INSERT INTO appeal_districts (tenant_id, code, name_uk, name_en) VALUES (app_tenant_id(), $1, $2, $3)
			ON CONFLICT DO NOTHING`, d.Code, d.Name.UK, d.Name.EN)
		if err != nil {
			return fmt.Errorf("appeals: district %s: %w", d.Code, err)
		}
	}
	var has bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM appeal_routes)`).Scan(&has); err != nil || has {
		return err
	}
	for i, r := range c.Routes {
		var cat, prov uuid.UUID
		err := tx.QueryRow(ctx, `SELECT (SELECT id FROM appeal_categories WHERE code = $1), (SELECT id FROM providers WHERE code = $2)`,
			r.Category, r.Provider).Scan(&cat, &prov)
		if err != nil {
			return fmt.Errorf("appeals: route %d (%s → %s): no such category or provider: %w", i, r.Category, r.Provider, err)
		}
		if err := insertRule(ctx, tx, Rule{CategoryID: cat, District: r.District, Keywords: r.Keywords, ProviderID: prov, Unit: r.Unit, Position: i}, nil); err != nil {
			return err
		}
	}
	return nil
}
