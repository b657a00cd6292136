package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// A bulk send to a segment reaches only the opted-in residents of it: by
// district, those who chose it as «Мій район»; by service, those who
// submitted an application for it in the last 12 months (not a draft, not
// an older one). One who did not opt in is never reached. Another city's
// district or service is neither a choice nor accepted from a forged
// form, and the refusal names the field.
func TestBulkSegments(t *testing.T) {
	t.Parallel()
	_, gw := gateway(t)
	e := setup(t, envOpts{sms: gw})
	other := tenanttest.NewTenantWith(t, e.db, tenant.CreateParams{Name: "Інша міська рада"})
	inOther := tenant.With(t.Context(), other)
	exec := func(ctx context.Context, sql string, args ...any) {
		t.Helper()
		require.NoError(t, e.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql, args...)
			return err
		}))
	}
	exec(e.ctx, `INSERT INTO appeal_districts (tenant_id, code, name_uk, name_en) VALUES (app_tenant_id(), 'pechersk', 'Печерський', 'Pecherskyi'), (app_tenant_id(), 'podil', 'Подільський', '')`)
	exec(inOther, `INSERT INTO appeal_districts (tenant_id, code, name_uk) VALUES (app_tenant_id(), 'obolon', 'Оболонський')`)
	// A published service of each city, with its provider and form.
	service := func(ctx context.Context, name string) (svc, provider, form uuid.UUID) {
		svc, provider, form = uuid.New(), uuid.New(), uuid.New()
		exec(ctx, `INSERT INTO providers (tenant_id, id, code, name_uk) VALUES (app_tenant_id(), $1, $2, 'ЦНАП')`, provider, provider.String())
		exec(ctx, `INSERT INTO services (tenant_id, id, code, provider_id, content, published_at) VALUES (app_tenant_id(), $1, $2, $3, jsonb_build_object('name', jsonb_build_object('uk', $4::text)), now())`,
			svc, svc.String(), provider, name)
		exec(ctx, `INSERT INTO service_forms (tenant_id, id, service_id, version, definition) VALUES (app_tenant_id(), $1, $2, 1, '{}')`, form, svc)
		return
	}
	parking, provider, form := service(e.ctx, "Паркувальний дозвіл")
	foreign, _, _ := service(inOther, "Чужа послуга")
	apply := func(account uuid.UUID, status string, signedAgo time.Duration) {
		if status == "draft" {
			exec(e.ctx, `INSERT INTO applications (tenant_id, id, service_id, provider_id, form_id, applicant_id) VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`,
				uuid.New(), parking, provider, form, account)
			return
		}
		exec(e.ctx, `INSERT INTO applications (tenant_id, id, number, service_id, provider_id, form_id, applicant_id, status, canonical, signature, signer_rnokpp, signed_at)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, '\x00', '\x00', '3184710691', $8)`,
			uuid.New(), uuid.NewString()[:12], parking, provider, form, account, status, time.Now().Add(-signedAgo))
	}
	sms := map[notify.Kind]map[notify.Channel]bool{notify.KindNews: {notify.SMS: true}}
	person := func(rnokpp, name, district string, news bool) uuid.UUID {
		var id uuid.UUID
		require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
			a, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: rnokpp, FullName: name})
			if err != nil {
				return err
			}
			id = a.ID
			return nil
		}))
		enabled := map[notify.Kind]map[notify.Channel]bool{}
		if news {
			enabled = sms
		}
		require.NoError(t, e.svc.SavePreferences(e.ctx, id, enabled, notify.Settings{Language: "uk", District: district}))
		return id
	}
	pechersk := person("4104812317", "Печерська, погодилась", "pechersk", true)
	person("4350612318", "Подільський, погодився", "podil", true)
	person("4224912301", "Печерський, не погодився", "pechersk", false)
	applicant := person("3456789014", "Заявниця", "", true)
	apply(applicant, "refused", 30*24*time.Hour) // any status counts
	late := person("2987654320", "Давній заявник", "", true)
	apply(late, "issued", 400*24*time.Hour) // over 12 months ago
	drafter := person("3012345670", "Чернетка", "", true)
	apply(drafter, "draft", 0)
	applyNotOptedIn := person("3123456789", "Заявник без новин", "", false)
	apply(applyNotOptedIn, "received", time.Hour)

	// Another city's district is not «Мій район» here.
	err := e.svc.SavePreferences(e.ctx, late, nil, notify.Settings{Language: "uk", District: "obolon"})
	require.ErrorIs(t, err, notify.ErrDistrict)

	choices, err := e.svc.SegmentChoices(e.ctx)
	require.NoError(t, err)
	require.Equal(t, []notify.Choice{{Ref: "pechersk", Name: tenant.Text{UK: "Печерський", EN: "Pecherskyi"}}, {Ref: "podil", Name: tenant.Text{UK: "Подільський"}}}, choices.Districts)
	require.Equal(t, []notify.Choice{{Ref: parking.String(), Name: tenant.Text{UK: "Паркувальний дозвіл"}}}, choices.Services, "the city's services only")

	reach := func(seg notify.Segment) (int, notify.Segment, error) {
		n, err := e.svc.ResolveSegment(e.ctx, &seg)
		return n, seg, err
	}
	n, _, err := reach(notify.Segment{Kind: notify.SegmentCity})
	require.NoError(t, err)
	require.Equal(t, 5, n, "all who opted in")
	n, seg, err := reach(notify.Segment{Kind: notify.SegmentDistrict, Ref: "pechersk"})
	require.NoError(t, err)
	require.Equal(t, [2]any{1, "Печерський"}, [2]any{n, seg.Name}, "the district's opted-in resident, not the one who did not opt in")
	n, seg, err = reach(notify.Segment{Kind: notify.SegmentService, Ref: parking.String()})
	require.NoError(t, err)
	require.Equal(t, [2]any{1, "Паркувальний дозвіл"}, [2]any{n, seg.Name}, "the applicant of this year; not a draft, not an old one, not one who did not opt in")
	for _, c := range []struct {
		seg  notify.Segment
		want error
	}{
		{notify.Segment{Kind: notify.SegmentDistrict, Ref: "obolon"}, notify.ErrBulkDistrict},
		{notify.Segment{Kind: notify.SegmentService, Ref: foreign.String()}, notify.ErrBulkService},
		{notify.Segment{Kind: notify.SegmentService, Ref: "x"}, notify.ErrBulkService},
		{notify.Segment{Kind: "street", Ref: "x"}, notify.ErrBulkSegment},
	} {
		_, _, err := reach(c.seg)
		require.ErrorIs(t, err, c.want, "%+v", c.seg)
	}

	dispatcher := person("2876543211", "Диспетчерка", "", false)
	ctx := identity.WithSigned(e.ctx, &identity.Signed{AccountID: dispatcher, FullName: "Диспетчерка"})
	forged := notify.Announcement{Key: uuid.Must(uuid.NewV7()), TextUK: "Чуже", Segment: notify.Segment{Kind: notify.SegmentDistrict, Ref: "obolon"}}
	_, err = e.svc.SendBulk(ctx, forged)
	require.ErrorIs(t, err, notify.ErrBulkDistrict, "a forged POST with another city's district")
	toDistrict := notify.Announcement{Key: uuid.Must(uuid.NewV7()), TextUK: "Ремонт на Печерську", Segment: notify.Segment{Kind: notify.SegmentDistrict, Ref: "pechersk"}}
	toService := notify.Announcement{Key: uuid.Must(uuid.NewV7()), TextUK: "Нові правила паркування", Segment: notify.Segment{Kind: notify.SegmentService, Ref: parking.String()}}
	for _, a := range []notify.Announcement{toDistrict, toService} {
		sent, err := e.svc.SendBulk(ctx, a)
		require.NoError(t, err)
		require.True(t, sent)
	}
	waitJobsDone(t, e)

	got := map[string][]uuid.UUID{}
	var audited []string
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT args->>'Text', account_id FROM notifications WHERE kind = 'news' AND urgency = 'bulk' ORDER BY 1`)
		if err != nil {
			return err
		}
		var (
			text string
			id   uuid.UUID
		)
		if _, err := pgx.ForEachRow(rows, []any{&text, &id}, func() error { got[text] = append(got[text], id); return nil }); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT details->>'segment' || ':' || (details->>'segment_name') || ':' || (details->>'recipients')
			FROM audit_events WHERE action = 'notify.bulk.send' ORDER BY 1`)
		if err != nil {
			return err
		}
		audited, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	}))
	require.Equal(t, map[string][]uuid.UUID{toDistrict.TextUK: {pechersk}, toService.TextUK: {applicant}}, got)
	require.Equal(t, []string{"district:Печерський:1", "service:Паркувальний дозвіл:1"}, audited)
	sends, err := e.svc.BulkSends(e.ctx)
	require.NoError(t, err)
	require.Len(t, sends, 2, "the forged send was not recorded")
	require.Equal(t, notify.Segment{Kind: notify.SegmentService, Ref: parking.String(), Name: "Паркувальний дозвіл"}, sends[0].Segment)
	require.Equal(t, notify.Segment{Kind: notify.SegmentDistrict, Ref: "pechersk", Name: "Печерський"}, sends[1].Segment)
}
