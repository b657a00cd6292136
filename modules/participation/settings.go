package participation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
	"hromada/ukid"
)

// Settings are a city's rules for petitions, kept per city in
// participation_settings the way audit keeps lockout_policies: a city
// without a row has DefaultSettings.
type Settings struct {
	// PetitionDays is how long a published petition collects signatures.
	PetitionDays int
	// Threshold is how many signatures oblige the council to consider it.
	Threshold int
	// ConsiderationDays is the council's term, in working days from the
	// day the threshold is reached (the city's calendar).
	ConsiderationDays int
	// Rules are the published rules a petition is moderated against;
	// empty: DefaultRules.
	Rules string
	// City is the city's КАТОТТГ code: a poll's area is the city or one
	// of its districts. Empty until the dispatcher sets it.
	City string
	// Qualified: petitions are signed with a qualified electronic
	// signature (a CMS over SigningText), not with one click.
	Qualified bool
}

// DefaultSettings are Kyiv's (the Kyiv City Council's rules on
// e-petitions under the Law "On citizens' appeals", art. 23-1): 6,000
// signatures within 60 days, considered within 10 working days. A city
// whose statute says otherwise stores its own row.
var DefaultSettings = Settings{PetitionDays: 60, Threshold: 6000, ConsiderationDays: 10}

// DefaultRules are the grounds the law gives for refusing to publish a
// petition, shown to the author before drafting and to the dispatcher
// moderating.
const DefaultRules = `Петиція має стосуватися питань, що належать до повноважень міської ради.
Петиція не може містити закликів до повалення конституційного ладу, порушення територіальної цілісності України, пропаганди війни, насильства, розпалювання міжетнічної, расової, релігійної ворожнечі, закликів до вчинення терористичних актів, посягань на права і свободи людини.
Текст петиції має містити суть звернення, обґрунтовану пропозицію та бути викладений державною мовою.`

// settingsTx reads the city's settings in tx.
func settingsTx(ctx context.Context, tx pgx.Tx) (Settings, error) {
	st := DefaultSettings
	err := tx.QueryRow(ctx, `SELECT petition_days, petition_threshold, consideration_days, rules, city_katottg, qualified_signature
		FROM participation_settings`).Scan(&st.PetitionDays, &st.Threshold, &st.ConsiderationDays, &st.Rules, &st.City, &st.Qualified)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultSettings, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("participation: settings: %w", err)
	}
	return st, nil
}

// RulesText is the rules to show: the city's, or DefaultRules.
func (st Settings) RulesText() string {
	if st.Rules == "" {
		return DefaultRules
	}
	return st.Rules
}

// Settings returns the city's settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	var st Settings
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		st, err = settingsTx(ctx, tx)
		return err
	})
	return st, err
}

// SettingsForm is the settings as typed.
type SettingsForm struct {
	PetitionDays, Threshold, ConsiderationDays, City, Rules string
	Qualified                                               bool
}

// FormOf is st as the form shows it.
func FormOf(st Settings) SettingsForm {
	return SettingsForm{PetitionDays: strconv.Itoa(st.PetitionDays), Threshold: strconv.Itoa(st.Threshold),
		ConsiderationDays: strconv.Itoa(st.ConsiderationDays), City: st.City, Rules: st.Rules, Qualified: st.Qualified}
}

// Parse checks f and returns the settings it sets, or its fields' errors.
func (f SettingsForm) Parse() (Settings, FieldErrors) {
	errs := FieldErrors{}
	num := func(field, typed string, lo, hi int) int {
		n, err := strconv.Atoi(strings.TrimSpace(typed))
		if err != nil || n < lo || n > hi {
			errs[field] = apperr.New(apperr.Invalid, "error.particip_"+field).With(map[string]any{"Min": lo, "Max": hi})
		}
		return n
	}
	st := Settings{PetitionDays: num("petition_days", f.PetitionDays, 1, 365), Threshold: num("threshold", f.Threshold, 1, 1000000),
		ConsiderationDays: num("consideration_days", f.ConsiderationDays, 1, 90), City: strings.TrimSpace(f.City), Rules: strings.TrimSpace(f.Rules), Qualified: f.Qualified}
	if st.City != "" && !ukid.ValidKATOTTG(st.City) {
		errs["city"] = apperr.New(apperr.Invalid, "error.particip_city")
	}
	if len(errs) > 0 {
		return Settings{}, errs
	}
	return st, nil
}

// SetSettings stores the city's settings as f says (a petition already
// published keeps the period and threshold it was published with).
// FieldErrors when a field is wrong, or the city's code is not a city of
// the codifier.
func (s *Service) SetSettings(ctx context.Context, f SettingsForm) error {
	st, errs := f.Parse()
	if errs != nil {
		return errs
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if st.City != "" {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM katottg WHERE code = $1 AND category IN ('K', 'M'))`, st.City).Scan(&ok); err != nil {
				return fmt.Errorf("participation: the city's code: %w", err)
			}
			if !ok {
				return FieldErrors{"city": apperr.New(apperr.Invalid, "error.particip_city")}
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO participation_settings (tenant_id, petition_days, petition_threshold, consideration_days, rules, city_katottg,
				qualified_signature)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, singleton) DO UPDATE SET petition_days = $2, petition_threshold = $3,
			consideration_days = $4, rules = $5, city_katottg = $6, qualified_signature = $7`,
			t.ID, st.PetitionDays, st.Threshold, st.ConsiderationDays, st.Rules, st.City, st.Qualified)
		if err != nil {
			return fmt.Errorf("participation: set settings: %w", err)
		}
		return nil
	})
}
