package appeals

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/tenant"
)

// The public side (FixMyStreet's reports on a map): the appeals their
// authors agreed to publish, in a public category, listed and shown on a
// map with their status. What anyone sees is a PublicAppeal, made by
// publicOf alone — the same one Open311 answers with — so no name, no
// contact and no file can reach a public page, and the text is scrubbed
// of e-mail addresses and phone numbers.

// PublicAppeal is a published appeal as anyone sees it.
type PublicAppeal struct {
	ID           uuid.UUID
	Kind         Kind
	Category     tenant.Text
	CategoryCode string
	Status       Status
	District     tenant.Text // empty for none
	Address      string
	Lat, Lon     *float64
	ReceivedAt   time.Time
	DueOn        time.Time
	AnsweredAt   *time.Time
	Provider     tenant.Text // empty while it waits for the dispatcher
	Text         string      // the appeal's text, scrubbed
}

// publicOf is a published appeal without personal data.
func publicOf(a *Appeal) PublicAppeal {
	p := PublicAppeal{ID: a.ID, Kind: a.Kind, Category: a.Category, CategoryCode: a.CategoryCode, Status: a.Status, Address: a.Address,
		Lat: a.Lat, Lon: a.Lon, ReceivedAt: a.ReceivedAt, DueOn: a.DueOn, AnsweredAt: a.AnsweredAt, Provider: a.Provider, Text: Scrub(a.Body)}
	if a.District != "" {
		p.District = a.DistrictName
	}
	return p
}

// PublicFilter narrows the public list: by category code, status (open:
// not answered yet; answered), district code, and the page (from 1).
type PublicFilter struct {
	Category, Status, District string
	Page                       int
}

// PublicPageSize is how many appeals a page of the public list shows.
const PublicPageSize = 20

// PublicPage is a page of the public list.
type PublicPage struct {
	Appeals []PublicAppeal
	Total   int
	Page    int
	Pages   int
}

// PublicList lists the published appeals matching f, newest first, a page
// at a time (an unknown status lists all).
func (s *Service) PublicList(ctx context.Context, f PublicFilter) (*PublicPage, error) {
	where, args := []string{`a.public`}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Category != "" {
		where = append(where, `c.code = `+arg(f.Category))
	}
	if f.District != "" {
		where = append(where, `a.district = `+arg(f.District))
	}
	switch f.Status {
	case "open":
		where = append(where, `a.status <> 'answered'`)
	case "answered":
		where = append(where, `a.status = 'answered'`)
	}
	out := &PublicPage{Page: max(f.Page, 1)}
	cond := strings.Join(where, " AND ")
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*)`+appealFrom+` WHERE `+cond, args...).Scan(&out.Total); err != nil {
			return fmt.Errorf("appeals: public count: %w", err)
		}
		out.Pages = max((out.Total+PublicPageSize-1)/PublicPageSize, 1)
		out.Page = min(out.Page, out.Pages)
		rows, err := tx.Query(ctx, `SELECT `+appealColumns+appealFrom+` WHERE `+cond+` ORDER BY a.received_at DESC, a.id LIMIT `+
			arg(PublicPageSize)+` OFFSET `+arg((out.Page-1)*PublicPageSize), args...)
		if err != nil {
			return fmt.Errorf("appeals: public list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAppeal(rows)
			if err != nil {
				return fmt.Errorf("appeals: public list: %w", err)
			}
			out.Appeals = append(out.Appeals, publicOf(a))
		}
		return rows.Err()
	})
	return out, err
}

// PublicOne reads one published appeal; one not published is ErrNotFound.
func (s *Service) PublicOne(ctx context.Context, id uuid.UUID) (*PublicAppeal, error) {
	var out *PublicAppeal
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		a, err := appealByID(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if !a.Public {
			return ErrNotFound
		}
		p := publicOf(a)
		out = &p
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotFound
	}
	return out, err
}
