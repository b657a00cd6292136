package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// LoadRegister writes a whole register into the tenant of ctx, in tx,
// publishing every service's content at once: the demo cities and imports.
// It is idempotent: everything is matched by code and brought to what reg
// says (a retired provider, centre or life situation it names is back).
func LoadRegister(ctx context.Context, tx pgx.Tx, reg Register) error {
	providers := map[string]uuid.UUID{}
	for _, p := range reg.Providers {
		id, err := upsertProvider(ctx, tx, p)
		if err != nil {
			return err
		}
		providers[p.Code] = id
	}
	situations := map[string]uuid.UUID{}
	for _, ls := range reg.LifeSituations {
		id, err := upsertLifeSituation(ctx, tx, ls)
		if err != nil {
			return err
		}
		situations[ls.Code] = id
	}
	centres := map[string]uuid.UUID{}
	for _, c := range reg.Centres {
		id, err := upsertCentre(ctx, tx, c)
		if err != nil {
			return err
		}
		centres[c.Code] = id
	}
	for _, s := range reg.Services {
		pid, ok := providers[s.Provider]
		if !ok {
			return fmt.Errorf("catalog: service %s: unknown provider %q", s.Content.Code, s.Provider)
		}
		if err := publish(ctx, tx, pid, s.Content, situations, centres); err != nil {
			return err
		}
	}
	return nil
}

func jsonOf(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// upsertByCode runs an INSERT … ON CONFLICT … RETURNING id whose $1 is a
// new id and $2 the code, followed by args.
func upsertByCode(ctx context.Context, tx pgx.Tx, table, code, sql string, args ...any) (uuid.UUID, error) {
	tenant.Changed(ctx, tenant.PublicChannel)
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	if err := tx.QueryRow(ctx, sql, append([]any{id, code}, args...)...).Scan(&id); err != nil {
		return uuid.Nil, fmt.Errorf("catalog: %s %s: %w", table, code, err)
	}
	return id, nil
}

func upsertLifeSituation(ctx context.Context, tx pgx.Tx, ls LifeSituation) (uuid.UUID, error) {
	return upsertByCode(ctx, tx, "life_situations", ls.Code,
		`INSERT INTO life_situations (tenant_id, id, code, name, description, position) VALUES (app_tenant_id(), $1, $2, $3, $4, $5)
		 ON CONFLICT (tenant_id, code) DO UPDATE SET name = excluded.name, description = excluded.description, position = excluded.position,
		     retired_at = NULL
		 RETURNING id`, jsonOf(ls.Name), jsonOf(ls.Description), ls.Position)
}

func upsertCentre(ctx context.Context, tx pgx.Tx, c Centre) (uuid.UUID, error) {
	return upsertByCode(ctx, tx, "centres", c.Code,
		`INSERT INTO centres (tenant_id, id, code, kind, parent_code, body, body_edrpou, name, address, lat, lon, hours, phone, email, website)
		 VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		 ON CONFLICT (tenant_id, code) DO UPDATE SET kind = excluded.kind, parent_code = excluded.parent_code, body = excluded.body,
		     body_edrpou = excluded.body_edrpou, name = excluded.name, address = excluded.address, lat = excluded.lat, lon = excluded.lon,
		     hours = excluded.hours, phone = excluded.phone, email = excluded.email, website = excluded.website, retired_at = NULL
		 RETURNING id`, c.Kind, c.ParentCode, c.Body, c.BodyEDRPOU, jsonOf(c.Name), jsonOf(c.Address), c.Lat, c.Lon, jsonOf(c.Hours), c.Phone, c.Email,
		c.Website)
}

func upsertProvider(ctx context.Context, tx pgx.Tx, p Provider) (uuid.UUID, error) {
	return upsertByCode(ctx, tx, "providers", p.Code,
		`INSERT INTO providers (tenant_id, id, code, name_uk, name_en, edrpou, kind, name, address, phone, website, email, hours, units, responsible)
		 VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		 ON CONFLICT (tenant_id, code) DO UPDATE SET name_uk = excluded.name_uk, name_en = excluded.name_en, edrpou = excluded.edrpou,
		     kind = excluded.kind, name = excluded.name, address = excluded.address, phone = excluded.phone, website = excluded.website,
		     email = excluded.email, hours = excluded.hours, units = excluded.units, responsible = excluded.responsible,
		     retired_at = NULL
		 RETURNING id`,
		p.Name.UK, p.Name.EN, p.EDRPOU, p.Kind, jsonOf(p.Name), jsonOf(p.Address), p.Phone, p.Website, p.Email, jsonOf(p.Hours),
		jsonOf(nonNil(p.Units)), jsonOf(nonNil(p.Responsible)))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// publish makes c the public content of its service (creating the service
// if its code is new), with its search index and links, in tx: the index
// can never lag behind what is shown.
func publish(ctx context.Context, tx pgx.Tx, provider uuid.UUID, c Content, situations, centres map[string]uuid.UUID) error {
	tenant.Changed(ctx, tenant.PublicChannel)
	doc := searchDocument(c, situations)
	id, err := upsertByCode(ctx, tx, "services", c.Code, `
		INSERT INTO services (tenant_id, id, code, provider_id, content, published_at, search, search_folded, search_text)
		VALUES (app_tenant_id(), $1, $2, $3, $4, now(),
		    setweight(to_tsvector('ukrainian', $5), 'A') || setweight(to_tsvector('ukrainian', $6), 'B') || setweight(to_tsvector('ukrainian', $7), 'C'),
		    to_tsvector('simple', $9), $8)
		ON CONFLICT (tenant_id, code) DO UPDATE SET provider_id = excluded.provider_id, content = excluded.content,
		    published_at = excluded.published_at, search = excluded.search, search_folded = excluded.search_folded,
		    search_text = excluded.search_text
		RETURNING id`,
		provider, jsonOf(c), doc.a, doc.b, doc.c, doc.trigram, fold(doc.trigram+" "+doc.b))
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM service_life_situations WHERE service_id = $1`, id); err != nil {
		return err
	}
	for _, code := range c.LifeSituations {
		ls, ok := situations[code]
		if !ok {
			if err := tx.QueryRow(ctx, `SELECT id FROM life_situations WHERE code = $1`, code).Scan(&ls); err != nil {
				return fmt.Errorf("catalog: service %s: life situation %q: %w", c.Code, code, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO service_life_situations (tenant_id, service_id, life_situation_id) VALUES (app_tenant_id(), $1, $2)`, id, ls); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM centre_services WHERE service_id = $1`, id); err != nil {
		return err
	}
	for _, code := range c.Centres {
		cid, ok := centres[code]
		if !ok {
			if err := tx.QueryRow(ctx, `SELECT id FROM centres WHERE code = $1`, code).Scan(&cid); err != nil {
				return fmt.Errorf("catalog: service %s: centre %q: %w", c.Code, code, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO centre_services (tenant_id, centre_id, service_id) VALUES (app_tenant_id(), $1, $2)`, cid, id); err != nil {
			return err
		}
	}
	return nil
}

// document is a service's text for search, by weight.
type document struct{ a, b, c, trigram string }

func searchDocument(c Content, situations map[string]uuid.UUID) document {
	join := func(ts []Text) string {
		var b strings.Builder
		for _, t := range ts {
			b.WriteString(t.UK)
			b.WriteByte(' ')
		}
		return b.String()
	}
	var faq strings.Builder
	for _, q := range c.FAQ {
		faq.WriteString(q.Question.UK + " " + q.Answer.UK + " ")
	}
	tags := strings.Join(c.Tags, " ")
	a := normalizeText(c.Name.UK + " " + tags)
	b := normalizeText(c.Summary.UK + " " + strings.Join(c.Categories, " ") + " " + c.Result.UK)
	cc := normalizeText(c.Conditions.UK + " " + join(names(c.Documents)) + " " + faq.String())
	return document{a: a, b: b, c: cc, trigram: normalizeText(c.Name.UK + " " + tags + " " + c.Summary.UK)}
}

// ErrNoService is a code with no published service.
var ErrNoService = errors.New("catalog: no such service")
