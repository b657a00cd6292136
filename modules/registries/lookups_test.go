package registries_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/devidp"
	"hromada/modules/registries"
	"hromada/modules/registries/simulator"
)

func TestLookups(t *testing.T) {
	t.Parallel()
	b := setup(t, fastConfig(), nil)
	ctx := t.Context()
	olena := persona(t, "resident")

	t.Run("Residence", func(t *testing.T) {
		t.Parallel()
		r, err := registries.Residence(ctx, b.client, olena.RNOKPP, "residence-extract")
		require.NoError(t, err)
		require.Equal(t, registries.ResidenceRecord{
			Registered: true,
			Address:    "м. Київ, вул. Січових Стрільців, 21, кв. 14",
			KATOTTG:    "UA80000000000093317",
			District:   "UA80000000001078669", // Шевченківський
			Since:      "2016-08-09",
			Household: []registries.Member{
				{RNOKPP: "4104812317", Name: "Шевченко Максим Андрійович", Relation: "син"},
				{RNOKPP: "4224912301", Name: "Шевченко Дарина Андріївна", Relation: "дочка"},
				{RNOKPP: "4350612318", Name: "Шевченко Іван Андрійович", Relation: "син"},
			},
		}, r)
	})

	t.Run("ResidenceOfEveryPersona", func(t *testing.T) {
		t.Parallel()
		lviv := map[string]bool{"auditor": true, "operator": true}
		for _, p := range devidp.Personas {
			r, err := registries.Residence(ctx, b.client, p.RNOKPP, "residence-extract")
			require.NoError(t, err, p.ID)
			require.True(t, r.Registered, p.ID)
			require.NotEmpty(t, r.Address, p.ID)
			require.NotNil(t, r.Household, p.ID)
			if lviv[p.ID] {
				require.Equal(t, simulator.KATOTTGLviv, r.KATOTTG, p.ID)
			} else {
				require.Equal(t, "UA80000000000093317", r.KATOTTG, p.ID)
			}
			// Every demo resident lives in one of their city's districts,
			// so a district poll has eligible and ineligible personas.
			require.Regexp(t, `^UA\d{17}$`, r.District, p.ID)
			require.NotEqual(t, r.KATOTTG, r.District, p.ID)
		}
	})

	t.Run("Vehicles", func(t *testing.T) {
		t.Parallel()
		vs, err := registries.Vehicles(ctx, b.client, olena.RNOKPP, "parking-permit")
		require.NoError(t, err)
		require.Equal(t, []registries.Vehicle{{Plate: "AA4821KM", Make: "Škoda Octavia", Year: 2017}}, vs)

		vs, err = registries.Vehicles(ctx, b.client, persona(t, "legal_rep").RNOKPP, "parking-permit")
		require.NoError(t, err)
		require.Len(t, vs, 2)
		require.Equal(t, "KA0777AH", vs[0].Plate)

		vs, err = registries.Vehicles(ctx, b.client, persona(t, "dispatcher").RNOKPP, "parking-permit")
		require.NoError(t, err)
		require.NotNil(t, vs)
		require.Empty(t, vs, "known to the register, no vehicles")
	})

	t.Run("Benefits", func(t *testing.T) {
		t.Parallel()
		bs, err := registries.Benefits(ctx, b.client, olena.RNOKPP, "subsidy")
		require.NoError(t, err)
		require.Equal(t, registries.BenefitsRecord{Categories: []string{"large_family"}, Since: "2019-03-01"}, bs)
		require.Equal(t, "Багатодітна сім’я", registries.BenefitCategories[bs.Categories[0]])

		bs, err = registries.Benefits(ctx, b.client, persona(t, "owner").RNOKPP, "subsidy")
		require.NoError(t, err)
		require.Equal(t, []string{"combatant"}, bs.Categories)

		bs, err = registries.Benefits(ctx, b.client, persona(t, "dispatcher").RNOKPP, "subsidy")
		require.NoError(t, err)
		require.Equal(t, registries.BenefitsRecord{Categories: []string{}}, bs)
	})

	t.Run("LandPlots", func(t *testing.T) {
		t.Parallel()
		want := registries.LandPlot{CadastralNumber: "8000000000:75:123:0045", AreaHa: 0.1,
			Purpose:     "02.01 Для будівництва і обслуговування житлового будинку, господарських будівель і споруд (присадибна ділянка)",
			OwnerRNOKPP: olena.RNOKPP}
		ps, err := registries.LandPlots(ctx, b.client, olena.RNOKPP, "land-tax")
		require.NoError(t, err)
		require.Equal(t, []registries.LandPlot{want}, ps)

		ps, err = registries.LandPlots(ctx, b.client, want.CadastralNumber, "land-tax")
		require.NoError(t, err)
		require.Equal(t, []registries.LandPlot{want}, ps)

		owner := persona(t, "owner")
		ps, err = registries.LandPlots(ctx, b.client, owner.RNOKPP, "land-tax")
		require.NoError(t, err)
		require.Len(t, ps, 2)
		for _, p := range ps {
			require.Equal(t, owner.RNOKPP, p.OwnerRNOKPP)
		}

		_, err = registries.LandPlots(ctx, b.client, "8000000000-75-123-0045", "land-tax")
		require.ErrorIs(t, err, registries.ErrInvalidQuery)
	})

	t.Run("Lookup", func(t *testing.T) {
		t.Parallel()
		for _, name := range registries.Lookups {
			v, err := registries.Lookup(ctx, b.client, name, olena.RNOKPP, "automatic")
			require.NoError(t, err, name)
			require.NotNil(t, v, name)
		}
		v, err := registries.Lookup(ctx, b.client, "residence", olena.RNOKPP, "automatic")
		require.NoError(t, err)
		require.IsType(t, registries.ResidenceRecord{}, v)
		_, err = registries.Lookup(ctx, b.client, "passports", olena.RNOKPP, "automatic")
		require.ErrorIs(t, err, registries.ErrInvalidQuery)
	})
}

// The demo city reaches residents and benefits over UXP and vehicles and
// land over X-Road, and the simulator answers every registry in both.
func TestBothDialects(t *testing.T) {
	t.Parallel()
	olena := persona(t, "resident")
	for _, dialect := range []registries.Dialect{registries.UXP, registries.XRoad} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			b := setup(t, fastConfig(), func(svcs []registries.Service) {
				for i := range svcs {
					svcs[i].Dialect, svcs[i].Version = dialect, "v1"
				}
			})
			_, err := registries.Residence(t.Context(), b.client, olena.RNOKPP, "x")
			require.NoError(t, err)
			_, err = registries.Vehicles(t.Context(), b.client, olena.RNOKPP, "x")
			require.NoError(t, err)
			_, err = registries.Benefits(t.Context(), b.client, olena.RNOKPP, "x")
			require.NoError(t, err)
			_, err = registries.LandPlots(t.Context(), b.client, olena.RNOKPP, "x")
			require.NoError(t, err)
			for _, q := range b.logs.all() {
				require.Equal(t, dialect, q.Dialect)
			}
		})
	}
	demo := simulator.DemoServices("https://ss.example")
	require.Equal(t, registries.UXP, service(t, demo, registries.CodeResidents).Dialect)
	require.Equal(t, registries.UXP, service(t, demo, registries.CodeBenefits).Dialect)
	require.Equal(t, registries.XRoad, service(t, demo, registries.CodeVehicles).Dialect)
	require.Equal(t, registries.XRoad, service(t, demo, registries.CodeLand).Dialect)
}

func TestAutofill(t *testing.T) {
	t.Parallel()
	olena := persona(t, "resident")
	sources := []string{
		"profile.full_name", // not ours: ignored
		"registry.residence.address", "registry.residence.katottg", "registry.residence.household_size",
		"registry.vehicles.first_plate", "registry.vehicles.first_make", "registry.vehicles.count",
		"registry.benefits.categories",
		"registry.land.first_cadastral_number", "registry.land.count",
	}

	t.Run("Fills", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fastConfig(), nil)
		got, err := registries.Autofill(t.Context(), b.client, olena.RNOKPP, sources)
		require.NoError(t, err)
		require.Equal(t, map[string]any{
			"registry.residence.address":           "м. Київ, вул. Січових Стрільців, 21, кв. 14",
			"registry.residence.katottg":           "UA80000000000093317",
			"registry.residence.household_size":    4,
			"registry.vehicles.first_plate":        "AA4821KM",
			"registry.vehicles.first_make":         "Škoda Octavia",
			"registry.vehicles.count":              1,
			"registry.benefits.categories":         []string{"large_family"},
			"registry.land.first_cadastral_number": "8000000000:75:123:0045",
			"registry.land.count":                  1,
		}, got)
		for _, code := range []string{registries.CodeResidents, registries.CodeVehicles, registries.CodeBenefits, registries.CodeLand} {
			require.Equal(t, 1, b.sim.RequestsTo(code), "%s asked once", code)
		}
		for _, q := range b.logs.all() {
			require.Equal(t, []string{registries.PurposeAutofill}, q.Purposes)
		}
	})

	t.Run("OnlyWhatIsAskedFor", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fastConfig(), nil)
		got, err := registries.Autofill(t.Context(), b.client, olena.RNOKPP, []string{"registry.vehicles.first_plate", "previous"})
		require.NoError(t, err)
		require.Equal(t, map[string]any{"registry.vehicles.first_plate": "AA4821KM"}, got)
		require.Equal(t, 1, b.sim.Requests())
	})

	t.Run("UnknownPersonFillsNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, fastConfig(), nil)
		got, err := registries.Autofill(t.Context(), b.client, unknownRNOKPP(t), sources)
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("RegistryDownFillsTheRest", func(t *testing.T) {
		t.Parallel()
		dead := httptest.NewServer(nil)
		deadURL := dead.URL
		dead.Close()
		b := setup(t, fastConfig(), func(svcs []registries.Service) {
			service(t, svcs, registries.CodeVehicles).BaseURL = deadURL
		})
		got, err := registries.Autofill(t.Context(), b.client, olena.RNOKPP, sources)
		require.ErrorIs(t, err, registries.ErrUnavailable)
		require.Equal(t, "UA80000000000093317", got["registry.residence.katottg"])
		require.NotContains(t, got, "registry.vehicles.first_plate")
		require.Equal(t, 1, got["registry.land.count"])
	})
}

// Pipeline fits the automatic pipeline's Registry: "no record" is its own
// sentinel, failures are explained, and only unavailability is retried.
func TestPipeline(t *testing.T) {
	t.Parallel()
	noRecord := errors.New("applications: the registry has no such record")
	cfg := fastConfig()
	cfg.MaxAttempts = 1
	b := setup(t, cfg, nil)
	p := &registries.Pipeline{Client: b.client, NoRecord: noRecord}
	ctx := t.Context()

	v, err := p.Lookup(ctx, "residence", persona(t, "resident").RNOKPP, "residence-extract")
	require.NoError(t, err)
	require.Equal(t, simulator.KATOTTGKyiv, v.(registries.ResidenceRecord).KATOTTG)

	_, err = p.Lookup(ctx, "residence", unknownRNOKPP(t), "residence-extract")
	require.ErrorIs(t, err, noRecord)
	require.ErrorIs(t, err, registries.ErrNotFound)
	require.False(t, p.Retryable(err))

	b.sim.FailNext(1, http.StatusServiceUnavailable)
	_, err = p.Lookup(ctx, "vehicles", persona(t, "resident").RNOKPP, "parking")
	require.True(t, p.Retryable(err))
	require.Equal(t, "Реєстр зараз недоступний", p.Explain(err))

	b.sim.FailNext(1, http.StatusForbidden)
	_, err = p.Lookup(ctx, "vehicles", persona(t, "resident").RNOKPP, "parking")
	require.False(t, p.Retryable(err))

	_, err = p.Lookup(ctx, "land", "not-a-plot", "land-tax")
	require.False(t, p.Retryable(err))
	require.Contains(t, p.Explain(err), "неправильно")

	b.sim.SetGarbage(true)
	_, err = p.Lookup(ctx, "benefits", persona(t, "resident").RNOKPP, "subsidy")
	require.False(t, p.Retryable(err))
	require.Equal(t, "", p.Explain(nil))
}
