package participation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/registries"
)

// The places a count by district may name besides a district: the
// register did not say (it did not answer in time, or does not know the
// person), or the person lives outside the city.
const (
	PlaceDistrict = "district"
	PlaceUnknown  = "unknown"
	PlaceOutside  = "outside"
	// PlaceFew are the districts of fewer than fewSigners signatures
	// together, in what the public reads of a petition.
	PlaceFew = "few"
	// PlaceAll is everyone, in the open data of a petition still
	// collecting.
	PlaceAll = "all"
)

// fewSigners is the fewest signatures of one district the public sees as
// the district's own count. The names of signers are public, in the order
// they signed: a count by district that the public could watch grow, or a
// district of one or two signers, would tell where a named person lives.
// So the public reads the counts of a petition once its collection is over,
// and the districts of fewer signers than this merged into one line.
const fewSigners = 5

// PublicDistricts are p's counts by district as the public may read them
// at now: none while it collects signatures, then with the districts of
// fewer than fewSigners merged into one PlaceFew line.
func (p *Petition) PublicDistricts(now time.Time) []DistrictCount {
	if p.PublishedAt == nil || p.Open(now) {
		return nil
	}
	var out []DistrictCount
	few := 0
	for _, d := range p.Districts {
		if d.Place == PlaceUnknown {
			continue
		}
		if d.People < fewSigners {
			few += d.People
			continue
		}
		out = append(out, d)
	}
	if few > 0 {
		out = append(out, DistrictCount{Place: PlaceFew, People: few})
	}
	for _, d := range p.Districts {
		if d.Place == PlaceUnknown {
			out = append(out, d)
		}
	}
	return out
}

// DistrictCount is how many people took part from one place: a district
// of the city (or the city itself, where the register names no district),
// or one of the other places. Counts only: nothing about anyone.
type DistrictCount struct {
	Place  string // PlaceDistrict, PlaceUnknown or PlaceOutside
	Code   string // the codifier's code of the district; empty for the others
	Name   string // its name; empty for the others
	People int
}

// PurposePetition is the purpose of the register query of a signature:
// where the signer lives, for the counts by district.
const PurposePetition = "petition-district"

// registerWait is how long a signature waits for the register to say where
// the signer lives. Past it the signature counts with the place unknown: a
// petition is never refused, nor a viral one slowed, by a slow register.
const registerWait = 3 * time.Second

// placeOf is where the register places the person rnokpp (their district,
// else their settlement), or "" when it cannot say in registerWait.
func (s *Service) placeOf(ctx context.Context, rnokpp string) string {
	if s.register == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, registerWait)
	defer cancel()
	rec, err := s.register(ctx, rnokpp, PurposePetition)
	switch {
	case errors.Is(err, registries.ErrNotFound), errors.Is(err, registries.ErrInvalidQuery):
		return "" // a person the register does not know: unknown, said by the count
	case err != nil:
		s.log.WarnContext(ctx, "participation: the residents' register did not say where a signer lives; counted as unknown", "error", err)
		return ""
	case !rec.Registered:
		return ""
	}
	return rec.Place()
}

// districtCounts names counts (by the codifier's code, "" unknown) as
// the city's districts, unknown, or outside the city (city, when set,
// is the city's code; without it every code is named as it is). Districts
// come first by name, then outside, then unknown.
func districtCounts(ctx context.Context, tx pgx.Tx, counts map[string]int, city string) ([]DistrictCount, error) {
	var out []DistrictCount
	outside, unknown := 0, 0
	for code, n := range counts {
		if n <= 0 {
			continue
		}
		if code == "" {
			unknown += n
			continue
		}
		var name string
		err := tx.QueryRow(ctx, `SELECT name FROM katottg WHERE code = $1`, code).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			unknown += n // a code the codifier does not know says nothing
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("participation: the name of %s: %w", code, err)
		}
		if city != "" {
			in, err := within(ctx, tx, code, city)
			if err != nil {
				return nil, err
			}
			if !in {
				outside += n
				continue
			}
		}
		out = append(out, DistrictCount{Place: PlaceDistrict, Code: code, Name: name, People: n})
	}
	slices.SortFunc(out, func(a, b DistrictCount) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Code, b.Code)) })
	if outside > 0 {
		out = append(out, DistrictCount{Place: PlaceOutside, People: outside})
	}
	if unknown > 0 {
		out = append(out, DistrictCount{Place: PlaceUnknown, People: unknown})
	}
	return out, nil
}

// petitionDistricts are p's signatures by district, from the counts its
// row keeps (signatures from before the counts were kept are unknown).
func petitionDistricts(ctx context.Context, tx pgx.Tx, p *Petition) ([]DistrictCount, error) {
	st, err := settingsTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	sum := 0
	for code, n := range p.byDistrict {
		counts[code] += n
		sum += n
	}
	counts[""] += p.Signatures - sum
	return districtCounts(ctx, tx, counts, st.City)
}

// pollDistricts are the people who voted in poll id by where the register
// placed them at the vote.
func pollDistricts(ctx context.Context, tx pgx.Tx, id uuid.UUID) ([]DistrictCount, error) {
	st, err := settingsTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT katottg, count(*)::int FROM poll_ballots WHERE poll_id = $1 GROUP BY katottg`, id)
	if err != nil {
		return nil, fmt.Errorf("participation: ballots by district: %w", err)
	}
	counts := map[string]int{}
	var code string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&code, &n}, func() error { counts[code] = n; return nil }); err != nil {
		return nil, fmt.Errorf("participation: ballots by district: %w", err)
	}
	return districtCounts(ctx, tx, counts, st.City)
}
