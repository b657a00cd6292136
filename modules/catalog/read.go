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
	if p.LifeSituations, err = lifeSituations(ctx, tx, `WHERE id IN (SELECT life_situation_id FROM service_life_situations WHERE service_id = $1)`, p.ID); err != nil {
		return nil, err
	}
	if p.Centres, err = centres(ctx, tx, `WHERE id IN (SELECT centre_id FROM centre_services WHERE service_id = $1)`, p.ID); err != nil {
		return nil, err
	}
	return &p, nil
}

func providerByID(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Provider, error) {
	var (
		p                              Provider
		name, addr, hours, units, resp []byte
	)
	err := tx.QueryRow(ctx, `SELECT id, code, kind, name, edrpou, address, phone, website, email, hours, units, responsible
		FROM providers WHERE id = $1`, id).Scan(&p.ID, &p.Code, &p.Kind, &name, &p.EDRPOU, &addr, &p.Phone, &p.Website, &p.Email, &hours, &units, &resp)
	if err != nil {
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

// LifeSituations returns the tenant's life situations in their order.
func LifeSituations(ctx context.Context, tx pgx.Tx) ([]LifeSituation, error) {
	return lifeSituations(ctx, tx, `WHERE true`)
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
	return centres(ctx, tx, `WHERE true`)
}

func centres(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]Centre, error) {
	rows, err := tx.Query(ctx, `SELECT code, kind, parent_code, body, body_edrpou, name, address, lat, lon, hours, phone, email
		FROM centres `+where+` ORDER BY kind, code`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Centre, error) {
		var (
			c                 Centre
			name, addr, hours []byte
		)
		if err := r.Scan(&c.Code, &c.Kind, &c.ParentCode, &c.Body, &c.BodyEDRPOU, &name, &addr, &c.Lat, &c.Lon, &hours, &c.Phone, &c.Email); err != nil {
			return c, err
		}
		_ = json.Unmarshal(name, &c.Name)
		_ = json.Unmarshal(addr, &c.Address)
		_ = json.Unmarshal(hours, &c.Hours)
		return c, nil
	})
}
