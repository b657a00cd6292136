package catalog

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Page is a published service with what its page shows beside it.
type Page struct {
	ID             uuid.UUID
	Content        Content
	Provider       Provider
	LifeSituations []LifeSituation
	Centres        []Centre
	// OnlineForm says the service has a published electronic form
	// (Options.Online): the page offers to apply online; without one it
	// says how to apply in person.
	OnlineForm bool
}

// ServiceByCode returns the published service with code and its provider,
// life situations and centres. ErrNoService when there is none.
func ServiceByCode(ctx context.Context, tx pgx.Tx, code string) (*Page, error) {
	var (
		p        Page
		raw      []byte
		provider uuid.UUID
	)
	err := tx.QueryRow(ctx, `SELECT id, content, provider_id FROM services WHERE code = $1 AND content IS NOT NULL`, code).Scan(&p.ID, &raw, &provider)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoService
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &p.Content); err != nil {
		return nil, err
	}
	pr, err := providerByID(ctx, tx, provider)
	if err != nil {
		return nil, err
	}
	p.Provider = *pr
	if p.LifeSituations, err = lifeSituations(ctx, tx, `WHERE retired_at IS NULL AND id IN (SELECT life_situation_id FROM service_life_situations WHERE service_id = $1)`, p.ID); err != nil {
		return nil, err
	}
	if p.Centres, err = centres(ctx, tx, `WHERE retired_at IS NULL AND id IN (SELECT centre_id FROM centre_services WHERE service_id = $1)`, p.ID); err != nil {
		return nil, err
	}
	return &p, nil
}

const providerColumns = `id, code, kind, name, edrpou, address, phone, website, email, hours, units, responsible`

func scanProvider(row pgx.Row) (*Provider, error) {
	var (
		p                              Provider
		name, addr, hours, units, resp []byte
	)
	if err := row.Scan(&p.ID, &p.Code, &p.Kind, &name, &p.EDRPOU, &addr, &p.Phone, &p.Website, &p.Email, &hours, &units, &resp); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		raw []byte
		v   any
	}{{name, &p.Name}, {addr, &p.Address}, {hours, &p.Hours}, {units, &p.Units}, {resp, &p.Responsible}} {
		if err := json.Unmarshal(f.raw, f.v); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

func providerByID(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Provider, error) {
	return scanProvider(tx.QueryRow(ctx, `SELECT `+providerColumns+` FROM providers WHERE id = $1`, id))
}

// LifeSituations returns the tenant's life situations in their order, the
// retired ones left out (as Centres and Providers leave theirs out).
func LifeSituations(ctx context.Context, tx pgx.Tx) ([]LifeSituation, error) {
	return lifeSituations(ctx, tx, `WHERE retired_at IS NULL`)
}

func lifeSituations(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]LifeSituation, error) {
	rows, err := tx.Query(ctx, `SELECT code, name, description, position FROM life_situations `+where+` ORDER BY position, code`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (LifeSituation, error) {
		var (
			ls        LifeSituation
			name, dsc []byte
		)
		if err := r.Scan(&ls.Code, &name, &dsc, &ls.Position); err != nil {
			return ls, err
		}
		_ = json.Unmarshal(name, &ls.Name)
		_ = json.Unmarshal(dsc, &ls.Description)
		return ls, nil
	})
}

// Centres returns the tenant's administrative service centres.
func Centres(ctx context.Context, tx pgx.Tx) ([]Centre, error) {
	return centres(ctx, tx, `WHERE retired_at IS NULL`)
}

func centres(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]Centre, error) {
	rows, err := tx.Query(ctx, `SELECT code, kind, parent_code, body, body_edrpou, name, address, lat, lon, hours, phone, email, website
		FROM centres `+where+` ORDER BY kind, code`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Centre, error) {
		var (
			c                 Centre
			name, addr, hours []byte
		)
		if err := r.Scan(&c.Code, &c.Kind, &c.ParentCode, &c.Body, &c.BodyEDRPOU, &name, &addr, &c.Lat, &c.Lon, &hours, &c.Phone, &c.Email, &c.Website); err != nil {
			return c, err
		}
		_ = json.Unmarshal(name, &c.Name)
		_ = json.Unmarshal(addr, &c.Address)
		_ = json.Unmarshal(hours, &c.Hours)
		return c, nil
	})
}

// Providers returns the tenant's providers, by name.
func Providers(ctx context.Context, tx pgx.Tx) ([]Provider, error) {
	rows, err := tx.Query(ctx, `SELECT `+providerColumns+` FROM providers WHERE retired_at IS NULL ORDER BY name_uk`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Provider, error) {
		p, err := scanProvider(r)
		if err != nil {
			return Provider{}, err
		}
		return *p, nil
	})
}

// ProviderByCode returns the provider with code and its published services.
func ProviderByCode(ctx context.Context, tx pgx.Tx, code string) (*Provider, []Hit, error) {
	var id uuid.UUID
	err := tx.QueryRow(ctx, `SELECT id FROM providers WHERE code = $1 AND retired_at IS NULL`, code).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, ErrNoService
	}
	if err != nil {
		return nil, nil, err
	}
	p, err := providerByID(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	hits, _, err := Search(ctx, tx, Query{Provider: code, Limit: 100})
	return p, hits, err
}

// CentreByCode returns the centre with code and the services available there.
func CentreByCode(ctx context.Context, tx pgx.Tx, code string) (*Centre, []Published, error) {
	cs, err := centres(ctx, tx, `WHERE code = $1 AND retired_at IS NULL`, code)
	if err != nil {
		return nil, nil, err
	}
	if len(cs) == 0 {
		return nil, nil, ErrNoService
	}
	rows, err := tx.Query(ctx, `SELECT s.id, s.provider_id, s.content, s.published_at FROM services s
		JOIN centre_services cs ON cs.service_id = s.id JOIN centres c ON c.id = cs.centre_id
		WHERE c.code = $1 AND s.content IS NOT NULL ORDER BY s.code`, code)
	if err != nil {
		return nil, nil, err
	}
	svcs, err := pgx.CollectRows(rows, scanService)
	return &cs[0], svcs, err
}

func scanService(r pgx.CollectableRow) (Published, error) {
	var (
		s   Published
		raw []byte
	)
	if err := r.Scan(&s.ID, &s.ProviderID, &raw, &s.PublishedAt); err != nil {
		return s, err
	}
	return s, json.Unmarshal(raw, &s.Content)
}

// AllServices returns every published service, by code, for the open data
// exports and the API's list.
func AllServices(ctx context.Context, tx pgx.Tx, limit, offset int) ([]Published, int, error) {
	var total int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM services WHERE content IS NOT NULL`).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := tx.Query(ctx, `SELECT id, provider_id, content, published_at FROM services WHERE content IS NOT NULL
		ORDER BY code LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	svcs, err := pgx.CollectRows(rows, scanService)
	return svcs, total, err
}

// Categories returns the categories the tenant's published services use.
func Categories(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT jsonb_array_elements_text(content->'categories') AS c FROM services
		WHERE content IS NOT NULL AND jsonb_typeof(content->'categories') = 'array' ORDER BY c`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
