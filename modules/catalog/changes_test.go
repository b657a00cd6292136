package catalog_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/catalog"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// changesBundle is a tenant with the small register, its catalog, and the
// people who propose and decide.
type changesBundle struct {
	importBundle
	author, admin uuid.UUID
	basis         time.Time
}

func changesSetup(t *testing.T) *changesBundle {
	t.Helper()
	return &changesBundle{importBundle: *importSetup(t), author: uuid.New(), admin: uuid.New(), basis: time.Now().AddDate(0, 0, -1)}
}

func validProvider() *catalog.Provider {
	return &catalog.Provider{Kind: "департамент", Name: catalog.Text{UK: "Департамент освіти", EN: "Education Department"}, EDRPOU: "03492179",
		Address: txt("вул. Хрещатик, 36"), Phone: "+380442790000", Email: "osvita@kyiv.example", Website: "https://osvita.kyiv.example",
		Hours: txt("пн–пт 9:00–18:00"), Units: []catalog.Text{txt("Відділ дошкільної освіти")},
		Responsible: []catalog.Responsible{{Name: "Петренко Ольга Іванівна", Unit: "Відділ дошкільної освіти", Phone: "+380442790001", Email: "petrenko@kyiv.example"}}}
}

// propose proposes ch and requires it saved.
func (b *changesBundle) propose(t *testing.T, ch *catalog.Change, isNew bool) *catalog.Change {
	t.Helper()
	ch.BasisDate = b.basis
	errs, err := b.svc.ProposeChange(b.ctx, ch, nil, isNew, b.author)
	require.NoError(t, err, "%v", errs)
	require.Equal(t, "pending", ch.Status)
	return ch
}

func (b *changesBundle) publish(t *testing.T, ch *catalog.Change) {
	t.Helper()
	_, err := b.svc.DecideChange(b.ctx, ch.ID, true, "", b.admin)
	require.NoError(t, err)
}

func (b *changesBundle) serviceCentres(t *testing.T, code string) (content, links []string) {
	t.Helper()
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := catalog.ServiceByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		content = p.Content.Centres
		for _, c := range p.Centres {
			links = append(links, c.Code)
		}
		return nil
	}))
	return content, links
}

// TestProviderChanges: a new provider is proposed with every field of seed
// 003 annex 2, refused while its ЄДРПОУ or its responsible official is
// wrong, public only once the administrator publishes it, audited; a double
// submit is one proposal; a provider with services cannot be retired, one
// without can.
func TestProviderChanges(t *testing.T) {
	t.Parallel()
	b := changesSetup(t)

	bad := validProvider()
	bad.EDRPOU, bad.Responsible, bad.Website = "03492178", nil, "javascript:alert(1)"
	errs, err := b.svc.ProposeChange(b.ctx, &catalog.Change{Kind: catalog.KindProvider, Code: "OSVITA", Entity: catalog.Entity{Provider: bad},
		Decision: catalog.Decision{BasisDate: b.basis}}, nil, true, b.author)
	require.ErrorIs(t, err, catalog.ErrRevisionInvalid)
	require.ElementsMatch(t, []string{"edrpou", "responsible", "website"}, keys(errs))
	require.Equal(t, "error.catalog_edrpou", errs["edrpou"].Key)

	ch := b.propose(t, &catalog.Change{Kind: catalog.KindProvider, Code: "OSVITA", Entity: catalog.Entity{Provider: validProvider()}}, true)
	again := b.propose(t, &catalog.Change{Kind: catalog.KindProvider, Code: "OSVITA", Entity: catalog.Entity{Provider: validProvider()}}, true)
	require.Equal(t, ch.ID, again.ID, "a double submit is the same proposal")
	ps, err := b.svc.Providers(b.ctx)
	require.NoError(t, err)
	require.Len(t, ps, 1, "not public before publication")

	_, err = b.svc.DecideChange(b.ctx, ch.ID, false, "", b.admin)
	require.ErrorIs(t, err, catalog.ErrCommentRequired)
	b.publish(t, ch)
	_, err = b.svc.DecideChange(b.ctx, ch.ID, true, "", b.admin)
	require.ErrorIs(t, err, catalog.ErrRevisionDecided)

	p, _, err := b.svc.Provider(b.ctx, "OSVITA")
	require.NoError(t, err)
	want := validProvider()
	want.ID, want.Code = p.ID, "OSVITA"
	require.Equal(t, want, p)

	// The code is taken now; a change of it is not new.
	_, err = b.svc.ProposeChange(b.ctx, &catalog.Change{Kind: catalog.KindProvider, Code: "OSVITA", Entity: catalog.Entity{Provider: validProvider()},
		Decision: catalog.Decision{BasisDate: b.basis}}, nil, true, b.author)
	require.ErrorIs(t, err, catalog.ErrRevisionInvalid)
	_, err = b.svc.ProposeChange(b.ctx, &catalog.Change{Kind: catalog.KindProvider, Code: "NONE", Entity: catalog.Entity{Provider: validProvider()},
		Decision: catalog.Decision{BasisDate: b.basis}}, nil, false, b.author)
	require.ErrorIs(t, err, catalog.ErrNoEntity)

	// dcnap has services: its retirement is refused; OSVITA's is published.
	errs, err = b.svc.ProposeChange(b.ctx, &catalog.Change{Kind: catalog.KindProvider, Code: "dcnap", Retire: true,
		Decision: catalog.Decision{BasisDate: b.basis}}, nil, false, b.author)
	require.ErrorIs(t, err, catalog.ErrRevisionInvalid)
	require.Equal(t, "error.register_provider_services", errs["retire"].Key)
	// An official still holding access at OSVITA holds its retirement
	// back (a retired provider's grants would outlive it); revoked, it
	// goes.
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `WITH a AS (INSERT INTO accounts (tenant_id, id, rnokpp, full_name) VALUES (app_tenant_id(), gen_random_uuid(), '3184710691', 'Ірина Освітня') RETURNING id)
			INSERT INTO access_grants (tenant_id, id, account_id, role, provider_id)
			SELECT app_tenant_id(), gen_random_uuid(), a.id, 'official', p.id FROM a, providers p WHERE p.code = 'OSVITA'`)
		return err
	}))
	errs, err = b.svc.ProposeChange(b.ctx, &catalog.Change{Kind: catalog.KindProvider, Code: "OSVITA", Retire: true,
		Decision: catalog.Decision{BasisDate: b.basis}}, nil, false, b.author)
	require.ErrorIs(t, err, catalog.ErrRevisionInvalid)
	require.Equal(t, "error.register_provider_staff", errs["retire"].Key)
	require.Equal(t, 1, errs["retire"].Args["Count"])
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE access_grants SET status = 'revoked' WHERE provider_id = (SELECT id FROM providers WHERE code = 'OSVITA')`)
		return err
	}))
	b.publish(t, b.propose(t, &catalog.Change{Kind: catalog.KindProvider, Code: "OSVITA", Retire: true}, false))
	_, _, err = b.svc.Provider(b.ctx, "OSVITA")
	require.ErrorIs(t, err, catalog.ErrNotFound)
	ra, err := b.svc.Register(b.ctx)
	require.NoError(t, err)
	require.Len(t, ra.Providers, 2)
	require.True(t, ra.Providers[1].Retired || ra.Providers[0].Retired)
	require.Len(t, ra.Changes, 2)

	var actions []string
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action FROM audit_events WHERE object_id = 'OSVITA' ORDER BY at, id`)
		if err != nil {
			return err
		}
		actions, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	}))
	require.Equal(t, []string{"catalog.change.propose", "catalog.change.publish", "catalog.change.propose", "catalog.change.publish"}, actions)

	// Another city sees none of it.
	other := tenant.With(t.Context(), tenanttest.NewTenant(t, b.db))
	ra, err = b.svc.Register(other)
	require.NoError(t, err)
	require.Empty(t, ra.Changes)
	require.Empty(t, ra.Providers)
}

// TestCentreAndSituationChanges: a branch with its services and typed
// coordinates, and a life situation with its services, become public on
// publication, the services' content naming them as their links do; a
// later change takes a service away; a retired centre leaves the portal.
func TestCentreAndSituationChanges(t *testing.T) {
	t.Parallel()
	b := changesSetup(t)
	branch := func(services ...string) *catalog.Change {
		return &catalog.Change{Kind: catalog.KindCentre, Code: "BR-1", Entity: catalog.Entity{Services: services, Centre: &catalog.Centre{
			Kind: "branch", ParentCode: "main", Body: "Київська міська рада", BodyEDRPOU: "22883141", Name: txt("Філія ЦНАП на Оболоні"),
			Address: txt("просп. Оболонський, 16"), Hours: txt("пн–пт 8:00–20:00"), Phone: "+380444260000", Email: "obolon@kyiv.example",
			Website: "https://cnap.kyiv.example", Lat: 50.5012, Lon: 30.4981}}}
	}

	far := branch()
	far.Centre.Lat, far.Centre.Lon = 30.4981, 50.5012 // swapped
	far.Centre.ParentCode = "nowhere"
	far.BasisDate = b.basis
	errs, err := b.svc.ProposeChange(b.ctx, far, nil, true, b.author)
	require.ErrorIs(t, err, catalog.ErrRevisionInvalid)
	require.ElementsMatch(t, []string{"lat", "parent_code"}, keys(errs))

	notANumber := branch()
	notANumber.Centre.Lat, notANumber.Centre.Lon = math.NaN(), math.NaN() // «NaN» typed in the form parses
	notANumber.BasisDate = b.basis
	errs, err = b.svc.ProposeChange(b.ctx, notANumber, nil, true, b.author)
	require.ErrorIs(t, err, catalog.ErrRevisionInvalid)
	require.Equal(t, []string{"lat"}, keys(errs))

	b.publish(t, b.propose(t, branch("T-2", "T-3"), true))
	c, svcs, err := b.svc.Centre(b.ctx, "BR-1")
	require.NoError(t, err)
	require.Equal(t, "https://cnap.kyiv.example", c.Website)
	require.Equal(t, 50.5012, c.Lat)
	require.Len(t, svcs, 2)
	content, links := b.serviceCentres(t, "T-2")
	require.Equal(t, []string{"BR-1"}, content)
	require.Equal(t, []string{"BR-1"}, links)
	content, _ = b.serviceCentres(t, "T-1")
	require.Equal(t, []string{"main"}, content, "other services keep their centres")

	b.publish(t, b.propose(t, branch("T-3"), false))
	content, links = b.serviceCentres(t, "T-2")
	require.Empty(t, content)
	require.Empty(t, links)
	content, _ = b.serviceCentres(t, "T-3")
	require.Equal(t, []string{"BR-1"}, content)

	ls := &catalog.Change{Kind: catalog.KindLifeSituation, Code: "SCHOOL", Entity: catalog.Entity{Services: []string{"T-3"},
		LifeSituation: &catalog.LifeSituation{Name: txt("Навчання в школі"), Description: txt("Вступ до школи і довідки"), Position: 3}}}
	b.publish(t, b.propose(t, ls, true))
	require.Equal(t, []string{"T-3"}, search(t, b.db, b.tn, catalog.Query{LifeSituation: "SCHOOL", Limit: 10}))

	b.publish(t, b.propose(t, &catalog.Change{Kind: catalog.KindCentre, Code: "BR-1", Retire: true}, false))
	cs, err := b.svc.Centres(b.ctx)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	_, _, err = b.svc.Centre(b.ctx, "BR-1")
	require.ErrorIs(t, err, catalog.ErrNotFound)
}

func keys(errs catalog.FieldErrors) []string {
	var out []string
	for k := range errs {
		out = append(out, k)
	}
	return out
}

// TestServiceNationalCodeAndCentres: the service editor's national code is
// checked against the national register's format and kept beside the
// city's code; its centres must be the city's, and publication links them.
func TestServiceNationalCodeAndCentres(t *testing.T) {
	t.Parallel()
	b := changesSetup(t)
	edit := func(national string, centres ...string) catalog.Edit {
		return func(c catalog.Content) (catalog.Content, catalog.FieldErrors) {
			c.NationalCode, c.Centres = national, centres
			c.Conditions, c.Result, c.Appeal = txt("Завжди"), txt("Довідка"), txt("До суду")
			c.Documents, c.LegalBasis, c.WaysToSubmit = []catalog.Document{catalog.Doc("Паспорт")}, []catalog.Text{txt("Закон")}, []string{catalog.SubmitCentre}
			return c, nil
		}
	}
	_, errs, err := b.svc.Propose(b.ctx, "T-2", edit("0010", "main", "nowhere"), b.basis, b.author)
	require.ErrorIs(t, err, catalog.ErrRevisionInvalid)
	require.ElementsMatch(t, []string{"national_code", "centres"}, keys(errs))

	rev, _, err := b.svc.Propose(b.ctx, "T-2", edit("00010", "main"), b.basis, b.author)
	require.NoError(t, err)
	_, err = b.svc.Decide(b.ctx, rev.ID, true, "", b.admin)
	require.NoError(t, err)
	p, err := b.svc.Page(b.ctx, "T-2")
	require.NoError(t, err)
	require.Equal(t, "T-2", p.Content.Code)
	require.Equal(t, "00010", p.Content.NationalCode)
	content, links := b.serviceCentres(t, "T-2")
	require.Equal(t, []string{"main"}, content)
	require.Equal(t, []string{"main"}, links)
}

// TestDocumentsStayTexts: a service's documents are structured items whose
// JSON a reader of the old list of texts (the applications' documents
// step) still reads, and the old list reads as items.
func TestDocumentsStayTexts(t *testing.T) {
	t.Parallel()
	docs := []catalog.Document{{Text: catalog.Text{UK: "Паспорт", EN: "Passport"}, Original: true}, {Text: txt("Заява"), Condition: "якщо звертається представник"}}
	raw, err := json.Marshal(docs)
	require.NoError(t, err)
	require.JSONEq(t, `[{"uk": "Паспорт", "en": "Passport", "original": true}, {"uk": "Заява", "condition": "якщо звертається представник"}]`, string(raw))
	var texts []catalog.Text
	require.NoError(t, json.Unmarshal(raw, &texts))
	require.Equal(t, []catalog.Text{{UK: "Паспорт", EN: "Passport"}, txt("Заява")}, texts)
	var back []catalog.Document
	require.NoError(t, json.Unmarshal([]byte(`[{"uk": "Паспорт"}]`), &back))
	require.Equal(t, []catalog.Document{catalog.Doc("Паспорт")}, back)
}
