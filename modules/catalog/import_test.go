package catalog_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/catalog"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
	"hromada/web"
)

// importBundle is a tenant with the small register loaded, and its
// catalog.
type importBundle struct {
	db  *tenanttest.DB
	tn  *tenant.Tenant
	ctx context.Context
	svc *catalog.Service
}

func importSetup(t *testing.T) *importBundle {
	t.Helper()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	load(t, db, tn, smallRegister())
	return &importBundle{db: db, tn: tn, ctx: tenant.With(t.Context(), tn), svc: catalog.New(db.App, nil)}
}

// counts is how many rows the register's tables hold, and the audit log.
func (b *importBundle) counts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, table := range []string{"providers", "life_situations", "centres", "services", "service_revisions",
			"service_life_situations", "centre_services", "audit_events"} {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
				return err
			}
			out[table] = n
		}
		return nil
	}))
	return out
}

// importService is a valid service of the import's file, with fields
// added (a leading comma each).
func importService(code, fields string) string {
	return `{"code": "` + code + `", "provider": "dcnap", "name": {"uk": "Довідка ` + code + `"}, "summary": {"uk": "Довідка"},
		"conditions": {"uk": "Завжди"}, "result": {"uk": "Довідка"}, "appeal": {"uk": "До суду"},
		"documents": [{"uk": "Паспорт"}], "legal_basis": [{"uk": "Закон"}], "ways_to_submit": ["centre"],
		"term": {"days": 1}, "fee": {"free": true}` + fields + `}`
}

// importDoc is a register file with a new provider and life situation and
// the services given.
func importDoc(services ...string) string {
	return `{"schema": "hromada.catalog.services/v1",
		"providers": [{"code": "osvita", "name": {"uk": "Департамент освіти"}, "edrpou": "03492179"}],
		"life_situations": [{"code": "school", "name": {"uk": "Навчання в школі"}}],
		"centres": [], "services": [` + strings.Join(services, ",") + `]}`
}

func decode(t *testing.T, doc string) catalog.Register {
	t.Helper()
	reg, err := catalog.DecodeRegister(strings.NewReader(doc))
	require.NoError(t, err)
	return reg
}

// rowOf is the plan's row of the record kind with code.
func rowOf(t *testing.T, p *catalog.Plan, kind, code string) catalog.PlanRow {
	t.Helper()
	for _, r := range p.Rows {
		if r.Kind == kind && r.Code == code {
			return r
		}
	}
	require.Failf(t, "no row", "%s %s in %+v", kind, code, p.Rows)
	return catalog.PlanRow{}
}

// The dry run says per row what would happen and writes nothing; the
// apply does it, services unpublished until published in bulk.
func TestImportPlanAndApply(t *testing.T) {
	t.Parallel()
	b := importSetup(t)
	changed := importService("T-2", `, "life_situations": ["family", "school"]`)
	doc := importDoc(importService("N-1", `, "life_situations": ["school", "moving"], "centres": ["main"]`), changed)
	reg := decode(t, doc)

	before := b.counts(t)
	plan, err := b.svc.PlanImport(b.ctx, reg)
	require.NoError(t, err)
	require.Equal(t, before, b.counts(t), "the dry run wrote something")
	require.Equal(t, catalog.ActionCreate, rowOf(t, plan, catalog.KindProvider, "osvita").Action)
	require.Equal(t, catalog.ActionCreate, rowOf(t, plan, catalog.KindLifeSituation, "school").Action)
	require.Equal(t, catalog.ActionCreate, rowOf(t, plan, catalog.KindService, "N-1").Action)
	t2 := rowOf(t, plan, catalog.KindService, "T-2")
	require.Equal(t, catalog.ActionChange, t2.Action)
	require.Subset(t, t2.Fields, []string{"appeal", "life_situations", "name", "summary"})
	require.NotContains(t, t2.Fields, "code")
	require.Equal(t, catalog.Plan{Created: 3, Changed: 1}, catalog.Plan{Created: plan.Created, Changed: plan.Changed, Unchanged: plan.Unchanged, Refused: plan.Refused})

	res, err := b.svc.ApplyImport(b.ctx, reg, catalog.ImportOptions{Source: "register.json"})
	require.NoError(t, err)
	require.Len(t, res.Revisions, 2)
	after := b.counts(t)
	require.Equal(t, before["providers"]+1, after["providers"])
	require.Equal(t, before["services"]+1, after["services"])
	require.Equal(t, before["service_revisions"]+2, after["service_revisions"])
	require.Equal(t, before["audit_events"]+1, after["audit_events"], "one audit event per import")

	// Unpublished: the new service is not public, the changed one still
	// shows what it showed.
	_, err = b.svc.Page(b.ctx, "N-1")
	require.ErrorIs(t, err, catalog.ErrNotFound)
	p, err := b.svc.Page(b.ctx, "T-2")
	require.NoError(t, err)
	require.Equal(t, "Довідка про склад сім’ї", p.Content.Name.UK)

	// The same file again: the pending revisions are what it says.
	again, err := b.svc.PlanImport(b.ctx, reg)
	require.NoError(t, err)
	require.Equal(t, catalog.ActionUnchanged, rowOf(t, again, catalog.KindService, "N-1").Action)

	n, err := b.svc.PublishRevisions(b.ctx, res.Revisions)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	p, err = b.svc.Page(b.ctx, "N-1")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"school", "moving"}, p.Content.LifeSituations)
	require.Len(t, p.Centres, 1)
	p, err = b.svc.Page(b.ctx, "T-2")
	require.NoError(t, err)
	require.Equal(t, "Довідка T-2", p.Content.Name.UK)
	_, err = b.svc.PublishRevisions(b.ctx, res.Revisions)
	require.ErrorIs(t, err, catalog.ErrRevisionDecided)

	after = b.counts(t)
	plan, err = b.svc.PlanImport(b.ctx, reg)
	require.NoError(t, err)
	require.Equal(t, len(plan.Rows), plan.Unchanged)
	res, err = b.svc.ApplyImport(b.ctx, reg, catalog.ImportOptions{})
	require.NoError(t, err)
	require.Empty(t, res.Revisions)
	require.Equal(t, after["service_revisions"], b.counts(t)["service_revisions"])
}

// Every bad input is refused on its row, in Ukrainian, naming the row's
// code and field, and the apply changes nothing.
func TestImportRefusesBadRows(t *testing.T) {
	t.Parallel()
	b := importSetup(t)
	const paid = `, "fee": {"free": false, "amount_kopecks": 8500, "iban": "UA858999980333199331000026001", "recipient": "Казначейство",
		"edrpou": "37398052", "purpose": "Плата"}`
	good := decode(t, importDoc(importService("N-1", paid)))
	plan, err := b.svc.PlanImport(b.ctx, good)
	require.NoError(t, err)
	require.Zero(t, plan.Refused, "%+v", plan.Rows)

	uk, err := web.NewLocalizer("uk")
	require.NoError(t, err)
	cases := map[string]struct {
		doc, kind, code, field, want string
	}{
		"BadEDRPOU": {importDoc(importService("N-1", strings.Replace(paid, "37398052", "37398053", 1))),
			catalog.KindService, "N-1", "fee_edrpou", "ЄДРПОУ некоректний"},
		"BadProviderEDRPOU": {strings.Replace(importDoc(), "03492179", "03492170", 1), catalog.KindProvider, "osvita", "edrpou", "ЄДРПОУ некоректний"},
		"BadIBAN": {importDoc(importService("N-1", strings.Replace(paid, "UA85", "UA86", 1))),
			catalog.KindService, "N-1", "fee_iban", "IBAN некоректний"},
		"MissingRequired": {importDoc(strings.Replace(importService("N-1", ""), `"summary": {"uk": "Довідка"},`, "", 1)),
			catalog.KindService, "N-1", "summary_uk", "обов’язкове"},
		"UnknownSituation": {importDoc(importService("N-1", `, "life_situations": ["wedding"]`)),
			catalog.KindService, "N-1", "life_situations", "Життєвої ситуації «wedding» немає"},
		"UnknownProvider": {importDoc(strings.Replace(importService("N-1", ""), `"dcnap"`, `"nobody"`, 1)),
			catalog.KindService, "N-1", "provider", "«nobody» немає"},
		"DuplicateCode": {importDoc(importService("N-1", ""), importService("N-1", "")),
			catalog.KindService, "N-1", "code", "уже трапився"},
		"ProviderChange": {importDoc(strings.Replace(importService("T-1", ""), `"dcnap"`, `"osvita"`, 1)),
			catalog.KindService, "T-1", "provider", "імпорт не змінює"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			reg := decode(t, tc.doc)
			plan, err := b.svc.PlanImport(b.ctx, reg)
			require.NoError(t, err)
			require.Positive(t, plan.Refused)
			var found bool
			for _, r := range plan.Rows {
				for _, p := range r.Problems {
					require.Equal(t, catalog.ActionRefuse, r.Action)
					if r.Kind == tc.kind && r.Code == tc.code && p.Field == tc.field {
						found = true
						require.Contains(t, uk.Message(p.Err.Key, p.Err.Args), tc.want)
					}
				}
			}
			require.True(t, found, "%+v", plan.Rows)
			before := b.counts(t)
			_, err = b.svc.ApplyImport(b.ctx, reg, catalog.ImportOptions{})
			require.ErrorIs(t, err, catalog.ErrImportRefused)
			require.Equal(t, before, b.counts(t))
		})
	}
	t.Run("Malformed", func(t *testing.T) {
		t.Parallel()
		for _, doc := range []string{`{"schema":`, `{"schema": "x/v1"}`, `[1, 2]`, importDoc(importService("N-1", `, "colour": "red"`))} {
			_, err := catalog.DecodeRegister(strings.NewReader(doc))
			require.ErrorIs(t, err, catalog.ErrMalformedRegister, doc)
		}
	})
	t.Run("SkipRefused", func(t *testing.T) {
		t.Parallel()
		b := importSetup(t)
		// N-2 refers to a provider whose row is refused: skipping the
		// provider skips it too.
		doc := strings.Replace(importDoc(importService("N-1", ""), importService("N-2", ""), importService("N-3", `, "term": {"days": 0}`)),
			"03492179", "03492170", 1)
		doc = strings.Replace(doc, `"code": "N-2", "provider": "dcnap"`, `"code": "N-2", "provider": "osvita"`, 1)
		res, err := b.svc.ApplyImport(b.ctx, decode(t, doc), catalog.ImportOptions{SkipRefused: true})
		require.NoError(t, err)
		require.Equal(t, 3, res.Skipped)
		require.Len(t, res.Revisions, 1)
		require.Equal(t, 2, res.Created, "the life situation and N-1")
	})
}

// A failure in the middle of an apply, one the plan did not foresee,
// leaves nothing behind.
func TestImportApplyIsOneTransaction(t *testing.T) {
	t.Parallel()
	b := importSetup(t)
	// A trigger refuses the second new service's revision, after the
	// provider, the life situation and the first service are written.
	_, err := b.db.Owner.Exec(t.Context(), `
		CREATE FUNCTION refuse_n2() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.content->>'code' = 'N-2' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER refuse_n2 BEFORE INSERT ON service_revisions FOR EACH ROW EXECUTE FUNCTION refuse_n2();`)
	require.NoError(t, err)
	reg := decode(t, importDoc(importService("N-1", `, "life_situations": ["school"]`), importService("N-2", "")))
	plan, err := b.svc.PlanImport(b.ctx, reg)
	require.NoError(t, err)
	require.Zero(t, plan.Refused)
	before := b.counts(t)
	_, err = b.svc.ApplyImport(b.ctx, reg, catalog.ImportOptions{})
	require.ErrorContains(t, err, "refused by the test")
	require.Equal(t, before, b.counts(t))
}

// openData is what the public path of the register's site answers in tn.
func openData(t *testing.T, db *tenanttest.DB, tn *tenant.Tenant, path string) []byte {
	t.Helper()
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(tenant.With(r.Context(), tn)))
		})
	})
	nobody := http.NotFoundHandler()
	guard := &access.Guard{Access: access.New(db.App, nil), Unauthenticated: nobody, Denied: nobody,
		Subject: func(*http.Request) (access.Subject, bool) { return access.Subject{}, false }}
	catalog.NewSite(catalog.New(db.App, nil), nil).Routes(r, guard)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return rec.Body.Bytes()
}

// Round trip: the Kyiv demo's open data (/opendata/services.json through
// the real route), imported into a fresh city and published in bulk, is
// the same register.
func TestImportRoundTrip(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	kyiv := tenanttest.NewTenant(t, db)
	load(t, db, kyiv, demoRegister(t, "kyiv"))
	fresh := tenanttest.NewTenant(t, db)

	export := func(tn *tenant.Tenant) catalog.Register {
		reg, err := catalog.DecodeRegister(bytes.NewReader(openData(t, db, tn, "/opendata/services.json")))
		require.NoError(t, err)
		return reg
	}
	exported := export(kyiv)
	require.NotEmpty(t, exported.Services)

	svc, ctx := catalog.New(db.App, nil), tenant.With(t.Context(), fresh)
	res, err := svc.ApplyImport(ctx, exported, catalog.ImportOptions{Source: "services.json"})
	require.NoError(t, err)
	require.Zero(t, res.Plan.Refused)
	require.Len(t, res.Revisions, len(exported.Services))
	require.Empty(t, export(fresh).Services, "imported services are unpublished")
	_, err = svc.PublishRevisions(ctx, res.Revisions)
	require.NoError(t, err)
	require.Equal(t, byCode(exported), byCode(export(fresh)))
	// The import stayed in its city.
	require.Equal(t, byCode(exported), byCode(export(kyiv)))
}

// The whole register as one bundle: a ZIP with services.json, services.csv
// and the README of the fields; its CSV imports back into the city as
// nothing to do, and a changed cell as a change of that field only.
func TestOpenDataBundleAndCSVImport(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	tn := tenanttest.NewTenant(t, db)
	load(t, db, tn, demoRegister(t, "kyiv"))
	b := &importBundle{db: db, tn: tn, ctx: tenant.With(t.Context(), tn), svc: catalog.New(db.App, nil)}
	raw := openData(t, b.db, b.tn, "/opendata/register.zip")
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err)
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		files[f.Name], err = io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
	}
	require.Len(t, files, 3)
	reg, err := catalog.DecodeRegister(bytes.NewReader(files["services.json"]))
	require.NoError(t, err)
	require.NotEmpty(t, reg.Services)
	first := reg.Services[0]
	require.Contains(t, string(files["README.md"]), "recipient_edrpou")
	require.True(t, strings.HasPrefix(string(files["services.csv"]), strings.Join(catalog.CSVHeader, ",")+"\n"))

	csvReg, err := catalog.DecodeRegisterCSV(bytes.NewReader(files["services.csv"]))
	require.NoError(t, err)
	plan, err := b.svc.PlanImport(b.ctx, csvReg)
	require.NoError(t, err)
	require.Equal(t, len(reg.Services), plan.Unchanged, "%+v", plan.Rows)
	require.Len(t, plan.Rows, len(reg.Services))

	changed := strings.Replace(string(files["services.csv"]), ","+first.Content.Name.UK+",", ","+first.Content.Name.UK+" (нова),", 1)
	csvReg, err = catalog.DecodeRegisterCSV(strings.NewReader(changed))
	require.NoError(t, err)
	plan, err = b.svc.PlanImport(b.ctx, csvReg)
	require.NoError(t, err)
	require.Equal(t, []string{"name"}, rowOf(t, plan, catalog.KindService, first.Content.Code).Fields)

	// A new service from the CSV lacks what only services.json carries.
	added := string(files["services.csv"]) + "N-9,Нова,," + first.Provider + ",,1,false,true,,,,,,centre,,,Закон,Паспорт,Довідка,\n"
	csvReg, err = catalog.DecodeRegisterCSV(strings.NewReader(added))
	require.NoError(t, err)
	plan, err = b.svc.PlanImport(b.ctx, csvReg)
	require.NoError(t, err)
	row := rowOf(t, plan, catalog.KindService, "N-9")
	require.Equal(t, catalog.ActionRefuse, row.Action)
	var fields []string
	for _, p := range row.Problems {
		fields = append(fields, p.Field)
	}
	require.Equal(t, []string{"appeal_uk", "conditions_uk", "summary_uk"}, fields)
	before := b.counts(t)
	_, err = b.svc.ApplyImport(b.ctx, csvReg, catalog.ImportOptions{})
	require.ErrorIs(t, err, catalog.ErrImportRefused)
	require.Equal(t, before, b.counts(t))

	for _, bad := range []string{"", "code,name\nT-1,x\n", strings.Replace(changed, ",true,", ",так,", 1)} {
		_, err := catalog.DecodeRegisterCSV(strings.NewReader(bad))
		require.ErrorIs(t, err, catalog.ErrMalformedRegister, bad)
	}
}
