package notify

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
)

// The segments a bulk send goes to. Each is narrowed from the residents
// who opted in to city news: a segment never reaches anyone who did not.
const (
	// SegmentCity is every resident who opted in.
	SegmentCity = "city"
	// SegmentDistrict is those who chose the district as «Мій район» on
	// the notices' settings (the residents' profile holds no address).
	SegmentDistrict = "district"
	// SegmentService is those who submitted an application for the
	// service within ServiceWindow, whatever became of it.
	SegmentService = "service"
)

// ServiceWindow is how far back an application makes its applicant one
// of a service's segment: a year, so the segment is the people the
// service concerns now (a renewal, a change of the rules), not everyone
// who ever used it.
const ServiceWindow = "12 months"

// Segment is whom a bulk send reaches: a kind, and the district's code or
// the service's id; Name is how the page says it (set by resolve).
type Segment struct {
	Kind string
	Ref  string
	Name string
}

// Choice is a district or a service to choose from.
type Choice struct {
	Ref  string
	Name tenant.Text
}

// Choices are the city's districts and services a segment may name.
type Choices struct {
	Districts []Choice
	Services  []Choice
}

// Errors of the segment's fields.
var (
	ErrBulkSegment  = apperr.New(apperr.Invalid, "notify.error.bulk_segment")
	ErrBulkDistrict = apperr.New(apperr.Invalid, "notify.error.bulk_district")
	ErrBulkService  = apperr.New(apperr.Invalid, "notify.error.bulk_service")
	// ErrDistrict is a «Мій район» that is not one of the city's.
	ErrDistrict = apperr.New(apperr.Invalid, "notify.error.district")
)

// SegmentChoices reads the city's districts and published services.
func (s *Service) SegmentChoices(ctx context.Context) (Choices, error) {
	var c Choices
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if c.Districts, err = districts(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id::text, coalesce(content->'name'->>'uk', code), coalesce(content->'name'->>'en', '')
			FROM services WHERE published_at IS NOT NULL ORDER BY 2`)
		if err != nil {
			return err
		}
		c.Services, err = pgx.CollectRows(rows, scanChoice)
		return err
	})
	return c, err
}

// districts are the city's districts, as the appeals' filing form names
// them (RLS: another city's are not there).
func districts(ctx context.Context, tx pgx.Tx) ([]Choice, error) {
	rows, err := tx.Query(ctx, `SELECT code, name_uk, name_en FROM appeal_districts ORDER BY name_uk`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanChoice)
}

func scanChoice(r pgx.CollectableRow) (Choice, error) {
	var c Choice
	return c, r.Scan(&c.Ref, &c.Name.UK, &c.Name.EN)
}

// resolve checks seg against the city's districts and services and names
// it; a district or service not the city's (another city's, a forged
// form) is refused naming its field.
func resolve(ctx context.Context, tx pgx.Tx, seg *Segment) error {
	switch seg.Kind {
	case SegmentCity:
		seg.Ref, seg.Name = "", ""
		return nil
	case SegmentDistrict:
		err := tx.QueryRow(ctx, `SELECT name_uk FROM appeal_districts WHERE code = $1`, seg.Ref).Scan(&seg.Name)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBulkDistrict
		}
		return err
	case SegmentService:
		id, err := uuid.Parse(seg.Ref)
		if err != nil {
			return ErrBulkService
		}
		err = tx.QueryRow(ctx, `SELECT coalesce(content->'name'->>'uk', code) FROM services WHERE id = $1 AND published_at IS NOT NULL`, id).Scan(&seg.Name)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBulkService
		}
		seg.Ref = id.String()
		return err
	}
	return ErrBulkSegment
}

// audienceSQL selects the opted-in residents of a segment: $1 its kind,
// $2 the district's code, $3 the service's id (NULL unless a service).
// Applications count once submitted (signed; a draft is not), in any
// status, within ServiceWindow.
const audienceSQL = `SELECT DISTINCT p.account_id FROM notify_preferences p
	WHERE p.kind = 'news' AND p.enabled AND (
		$1::text = 'city'
		OR $1 = 'district' AND EXISTS (SELECT 1 FROM notify_settings st WHERE st.account_id = p.account_id AND st.district = $2::text)
		OR $1 = 'service' AND EXISTS (SELECT 1 FROM applications a WHERE a.applicant_id = p.account_id AND a.service_id = $3::uuid
			AND a.status <> 'draft' AND a.signed_at > now() - interval '` + ServiceWindow + `'))`

// audienceArgs are audienceSQL's arguments for seg.
func audienceArgs(seg Segment) []any {
	var svc *uuid.UUID
	if seg.Kind == SegmentService {
		if id, err := uuid.Parse(seg.Ref); err == nil {
			svc = &id
		}
	}
	return []any{seg.Kind, seg.Ref, svc}
}

// audience counts seg's opted-in residents in tx.
func audience(ctx context.Context, tx pgx.Tx, seg Segment) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM (`+audienceSQL+`) a`, audienceArgs(seg)...).Scan(&n)
	return n, err
}

// ResolveSegment checks and names seg (see resolve) and counts whom it
// reaches now, for the preview.
func (s *Service) ResolveSegment(ctx context.Context, seg *Segment) (int, error) {
	var n int
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := resolve(ctx, tx, seg); err != nil {
			return err
		}
		var err error
		n, err = audience(ctx, tx, *seg)
		return err
	})
	return n, err
}
