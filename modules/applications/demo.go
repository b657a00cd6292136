package applications

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"hromada/modules/catalog"
	"hromada/modules/forms"
)

// LoadDemoForms publishes a demo city's electronic forms (defs) and
// automatic-mode rule sets (rules), by service code, for the services the
// city has; running it again publishes nothing new. The demo data (the
// demo folder's forms/*.json and rules.json) are the caller's.
func LoadDemoForms(ctx context.Context, tx pgx.Tx, defs map[string]forms.Definition, rules map[string]RuleSet) error {
	for _, code := range slices.Sorted(maps.Keys(defs)) {
		var has bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM service_forms f JOIN services s ON s.id = f.service_id WHERE s.code = $1)`, code).Scan(&has)
		if err != nil {
			return err
		}
		if has {
			continue
		}
		if _, err := PublishForm(ctx, tx, code, defs[code], nil); err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
	}
	for _, code := range slices.Sorted(maps.Keys(rules)) {
		var has, exists bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM services WHERE code = $1),
			EXISTS (SELECT FROM service_rules r JOIN services s ON s.id = r.service_id WHERE s.code = $1)`, code).Scan(&exists, &has)
		if err != nil {
			return err
		}
		if exists && !has {
			if err := PublishRules(ctx, tx, code, rules[code]); err != nil {
				return err
			}
		}
	}
	return nil
}
