package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/centres"
	"hromada/modules/identity"
	"hromada/tenant"
)

// TestCentresReminderThroughRiver (issue 19: "gets … a reminder"): the
// server's own River runs the periodic job's fan-out (centres.remind_all →
// centres.remind per city) and the resident finds the reminder of her
// appointment in her cabinet's inbox, once however often the job runs.
// The centres' clock is a Monday at 07:00; the booking is that morning.
func TestCentresReminderThroughRiver(t *testing.T) {
	t.Parallel()
	var clock atomic.Pointer[time.Time]
	monday := time.Now().In(tenant.Zone)
	for monday = monday.AddDate(0, 0, 1); monday.Weekday() != time.Monday; monday = monday.AddDate(0, 0, 1) {
	}
	monday = time.Date(monday.Year(), monday.Month(), monday.Day(), 7, 0, 0, 0, tenant.Zone)
	clock.Store(&monday)
	e := newAppsEnvWith(t, testAppOpts{centresNow: func() time.Time { return *clock.Load() }})
	ctx := tenant.With(t.Context(), e.kyiv)

	resident := appsPersona(t, "resident")
	var account uuid.UUID
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		acc, err := identity.EnsureAccount(ctx, tx, identity.Profile{RNOKPP: resident.RNOKPP, FullName: resident.FullName(),
			FamilyName: resident.FamilyName, GivenName: resident.GivenName, MiddleName: resident.MiddleName})
		if err == nil {
			account = acc.ID
		}
		return err
	})
	me := identity.WithSigned(ctx, &identity.Signed{AccountID: account, RNOKPP: resident.RNOKPP, FullName: resident.FullName()})
	p, err := e.ta.centres.Picker(me, "cnap-main", "", time.Time{}, uuid.Nil)
	require.NoError(t, err)
	require.NotEmpty(t, p.Services)
	day := time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, tenant.Zone)
	p, err = e.ta.centres.Picker(me, "cnap-main", p.Services[0].Content.Code, day, uuid.Nil)
	require.NoError(t, err)
	require.NotEmpty(t, p.Slots, "Monday's times at the main centre")
	v, err := e.ta.centres.Book(me, "cnap-main", p.Services[0].Content.Code, p.Slots[0].Start, uuid.Nil)
	require.NoError(t, err)
	require.Less(t, v.Start.Sub(monday), centres.RemindBefore, "the booking is within a day")

	reminders := func() int {
		return e.count(`SELECT count(*) FROM notifications WHERE account_id = $1 AND key = 'centres.notice_reminder' AND args->>'Code' = $2`, account, v.Code)
	}
	// (The periodic job's run on start may have come first: once is
	// once, whoever sends it.)
	for range 2 {
		_, err = e.ta.river.Insert(t.Context(), centres.RemindAllArgs{}, nil)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return reminders() == 1 }, 3*time.Minute, 200*time.Millisecond, "River sent the reminder")
	// Both fan-outs ran through; the second sent nothing more.
	require.Eventually(t, func() bool {
		return e.count(`SELECT count(*) FROM river_job WHERE kind IN ('centres.remind_all', 'centres.remind') AND state <> 'completed'`) == 0
	}, 3*time.Minute, 200*time.Millisecond)
	require.Equal(t, 1, reminders(), "once")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM visits WHERE code = $1 AND reminded_at IS NOT NULL`, v.Code))

	inbox := get(t, e.as(e.host, "resident"), e.u("/cabinet/notifications"))
	require.Equal(t, 200, inbox.status)
	require.Contains(t, inbox.body, "Нагадуємо: ")
	require.Contains(t, inbox.body, v.Code)
}
