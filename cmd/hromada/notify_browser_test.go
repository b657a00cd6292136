package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/notify"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
	"hromada/web/browsertest"
)

// TestNotificationsInBrowser is the notifications issue's "done when", in
// Chromium: a resident gives an e-mail address and a phone number in the
// cabinet, confirms each with the code that arrives there, applies, and
// gets the notice in the cabinet, in Mailpit (DKIM verifies) and through
// the SMS gateway, each exactly once; the official gets the new work; an
// SMTP refusal leaves a permanent failure in the cabinet and on the
// administrator's page. Every page passes axe-core.
func TestNotificationsInBrowser(t *testing.T) {
	t.Parallel()
	mp := tenanttest.Mailpit(t, &tenanttest.MailpitOptions{AllowedRecipients: `^olena@example\.org$`})
	ta := startApp(t, testAppOpts{baseDomain: "localhost", mailpit: mp})
	_, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	proof := filepath.Join(t.TempDir(), "pravo.pdf")
	require.NoError(t, os.WriteFile(proof, appsPDF, 0o600))
	signIn := func(persona, ret string) []browsertest.Step {
		return []browsertest.Step{{Op: "goto", URL: u("/auth/login?return=" + ret)}, {Op: "click", Selector: "button[value=" + persona + "]"}}
	}
	run := func(name string, vp *browsertest.Viewport, steps ...browsertest.Step) []browsertest.Result {
		t.Helper()
		res := browsertest.Run(t, []browsertest.Scenario{{Name: name, Viewport: vp, Steps: steps}})
		require.Len(t, res, 1)
		require.Empty(t, res[0].Failed(), name)
		require.Len(t, res[0].Steps, len(steps), name)
		for i, st := range res[0].Steps {
			require.Empty(t, st.Violations, "%s: step %d (%s) has accessibility violations", name, i, st.Op)
		}
		return res
	}

	// The addresses: a code goes to each.
	run("ResidentGivesAddresses", phone, append(signIn("resident", "/cabinet/notifications/settings"),
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "fill", Selector: "#address-email", Value: "olena@example.org"},
		browsertest.Step{Op: "click", Selector: "form:has(#address-email) button"},
		browsertest.Step{Op: "fill", Selector: "#address-sms", Value: "+38 067 123 45 67"},
		browsertest.Step{Op: "click", Selector: "form:has(#address-sms) button"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-settings-codes", FullPage: true},
		browsertest.Step{Op: "axe"},
		// Headless Chromium has no push service and answers the
		// permission prompt "denied": the page says what to do.
		browsertest.Step{Op: "click", Selector: "#browser-push-on"},
		browsertest.Step{Op: "waitText", Selector: "#browser-push-state", Value: "Браузер", TimeoutMs: 60000},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-settings-browser", FullPage: true},
		browsertest.Step{Op: "axe"},
	)...)
	codeRe := regexp.MustCompile(`\b\d{6}\b`)
	ms := mp.Messages(t)
	require.Len(t, ms, 1)
	mailCode := codeRe.FindString(string(mp.Raw(t, ms[0].ID)))
	sms := ta.smssim.Messages()
	require.Len(t, sms, 1)
	require.Equal(t, "380671234567", sms[0].Phone)
	smsCode := codeRe.FindString(sms[0].Text)
	require.NotEmpty(t, mailCode)
	require.NotEmpty(t, smsCode)

	// The city app on the resident's phone registers for push (what the
	// city-app API does on sign-in): the settings page then offers push
	// per kind.
	kyiv, err := tenant.BySlug(t.Context(), ta.db.App.Pool(), "kyiv")
	require.NoError(t, err)
	ctx := tenant.With(t.Context(), kyiv)
	var resident uuid.UUID
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT account_id FROM notify_contacts LIMIT 1`).Scan(&resident)
	}))
	const phoneToken = "fcm-token-of-olenas-phone"
	_, err = ta.notify.RegisterDevice(ctx, resident, notify.Device{Platform: notify.FCMPlatform, Token: phoneToken, AppVersion: "1.0.0"})
	require.NoError(t, err)

	// A wrong code keeps what was typed and says so; the right ones
	// confirm. Then the resident applies.
	res := run("ResidentConfirmsAndApplies", phone, append(signIn("resident", "/cabinet/notifications/settings"),
		browsertest.Step{Op: "fill", Selector: "#code-email", Value: "99999"},
		browsertest.Step{Op: "click", Selector: "form:has(#code-email) button"},
		browsertest.Step{Op: "text", Selector: "#code-email-error"},
		browsertest.Step{Op: "attr", Selector: "#code-email", Name: "value"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-settings-error", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "fill", Selector: "#code-email", Value: mailCode},
		browsertest.Step{Op: "click", Selector: "form:has(#code-email) button"},
		browsertest.Step{Op: "fill", Selector: "#code-sms", Value: smsCode},
		browsertest.Step{Op: "click", Selector: "form:has(#code-sms) button"},
		browsertest.Step{Op: "text", Selector: "#email-state"},
		browsertest.Step{Op: "text", Selector: "#sms-state"},
		browsertest.Step{Op: "text", Selector: "#push-devices"},
		browsertest.Step{Op: "text", Selector: "label[for=on-status-push]"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-settings-confirmed", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "goto", URL: u("/services/KY-0001/apply")},
		browsertest.Step{Op: "click", Selector: "form[action='/services/KY-0001/apply'] button"},
		browsertest.Step{Op: "click", Selector: "button[value=next]"},
		// The settlement picked from the combobox's list, as a person does
		// (left open, the list would cover the fields below it).
		browsertest.Step{Op: "fill", Selector: "#f-katottg", Value: "Київ"},
		browsertest.Step{Op: "waitText", Selector: "#f-katottg-list li[role=option]", Value: "Київ"},
		browsertest.Step{Op: "click", Selector: "#f-katottg-list li[role=option]"},
		browsertest.Step{Op: "fill", Selector: "#f-address", Value: "вул. Хрещатик, 10, кв. 5"},
		browsertest.Step{Op: "check", Selector: "input[name=basis][value=owner]"},
		browsertest.Step{Op: "fill", Selector: "#f-moved_on", Value: "2026-10-01"},
		browsertest.Step{Op: "click", Selector: "button[value=next]"},
		browsertest.Step{Op: "click", Selector: "button[value=next]"},
		// KY-0001 requires the proof of the right to live there.
		browsertest.Step{Op: "select", Selector: "#f-document", Value: "4"},
		browsertest.Step{Op: "upload", Selector: "#f-file", Value: proof},
		browsertest.Step{Op: "click", Selector: "form[enctype] button[type=submit]"},
		browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"},
		browsertest.Step{Op: "click", Selector: "form[action$='/sign'] button.button"},
		browsertest.Step{Op: "text", Selector: "h1"},
	)...)
	steps := res[0].Steps
	require.Contains(t, steps[4].Text, "Код")
	require.Equal(t, "99999", steps[5].Text, "what was typed is kept")
	require.Contains(t, steps[12].Text, "підтверджено")
	require.Contains(t, steps[13].Text, "підтверджено")
	require.Contains(t, steps[14].Text, "1 ваш пристрій")
	require.Equal(t, "Push-сповіщення", steps[15].Text, "push is offered per kind")

	// The notice of receipt went out by both channels, once each, and
	// the e-mail's DKIM signature verifies with the city's key.
	notice := waitSettled(t, ta, ctx, "notify.received")
	require.Equal(t, map[notify.Channel]notify.Status{notify.Email: notify.Delivered, notify.SMS: notify.Delivered, notify.Push: notify.Delivered}, notice)
	ms = mp.Messages(t)
	require.Len(t, ms, 2, "the code and the notice, each once")
	raw := mp.Raw(t, ms[0].ID)
	snd, err := ta.notify.Sender(ctx)
	require.NoError(t, err)
	name, record, err := snd.DNSRecord()
	require.NoError(t, err)
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
		if domain != name {
			return nil, &net.DNSError{Err: "no such host", Name: domain, IsNotFound: true}
		}
		return []string{record}, nil
	}})
	require.NoError(t, err)
	require.Len(t, vs, 1)
	require.NoError(t, vs[0].Err)
	sms = ta.smssim.Messages()
	require.Len(t, sms, 2, "the code and the notice, each once")
	require.Contains(t, sms[1].Text, "змінився")
	require.Equal(t, 1, sms[1].Segments)
	pushed := ta.fcmsim.Messages()
	require.Len(t, pushed, 1, "the notice, once, to the phone (FCM HTTP v1 through the simulator)")
	require.Equal(t, phoneToken, pushed[0].Token)
	require.Equal(t, sms[1].Text, pushed[0].Body)
	require.Contains(t, pushed[0].Data["link"], "/cabinet/notifications?n=")

	// The official of the provider got the new work at once.
	var newWork int
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE key = 'notify.new_work' AND kind = 'new_work' AND urgency = 'urgent'`).Scan(&newWork)
	}))
	require.Positive(t, newWork)

	// The address stops existing at the receiving server, and the app is
	// removed from the phone: the next notice is refused there, for
	// good, and says so; the phone's token is disabled.
	ta.fcmsim.Unregister(phoneToken)
	require.NoError(t, ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE notify_contacts SET address = 'gone@example.org' WHERE channel = 'email'`); err != nil {
			return err
		}
		var account, app uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT applicant_id, id FROM applications WHERE number <> '' ORDER BY created_at DESC LIMIT 1`).Scan(&account, &app); err != nil {
			return err
		}
		_, err := ta.notify.Post(ctx, tx, notify.Notice{Account: account, Application: &app, Kind: notify.KindStatus, Key: "notify.in_review",
			Args: map[string]any{"Number": "2026-000001"}})
		return err
	}))
	refused := waitSettled(t, ta, ctx, "notify.in_review")
	require.Equal(t, map[notify.Channel]notify.Status{notify.Email: notify.Permanent, notify.SMS: notify.Delivered, notify.Push: notify.Permanent}, refused)
	require.Len(t, mp.Messages(t), 2, "nothing more arrived")
	require.Len(t, ta.fcmsim.Messages(), 1, "nothing more arrived")
	var disabled bool
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT disabled_at IS NOT NULL FROM notify_devices WHERE token = $1`, phoneToken).Scan(&disabled)
	}))
	require.True(t, disabled, "an unregistered token is disabled")

	res = run("ResidentSeesDeliveries", phone, append(signIn("resident", "/cabinet/notifications"),
		browsertest.Step{Op: "text", Selector: ".inbox > li:first-child .deliveries"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-inbox", FullPage: true},
		browsertest.Step{Op: "axe"},
	)...)
	first := res[0].Steps[2].Text
	require.Contains(t, first, "Ел. пошта: не доставлено")
	require.Contains(t, first, "SMS: доставлено")
	require.Contains(t, first, "Push-сповіщення: не доставлено")

	res = run("AdministratorSeesFailure", nil, append(signIn("administrator", "/admin"),
		browsertest.Step{Op: "click", Selector: "a[href='/admin/notifications']"},
		browsertest.Step{Op: "text", Selector: "#failed"},
		browsertest.Step{Op: "text", Selector: "#sender-title + dl"},
		browsertest.Step{Op: "screenshot", Name: "hromada-notify-admin", FullPage: true},
		browsertest.Step{Op: "axe"},
	)...)
	failed := res[0].Steps[3].Text
	require.Contains(t, failed, "не доставлено")
	require.Contains(t, failed, "g…@example.org")
	require.Contains(t, failed, "smtp 5")
	require.Contains(t, res[0].Steps[4].Text, "v=DKIM1; k=rsa; p=")
}

// waitSettled waits until the deliveries of the newest notice with key are
// all delivered or failed for good, and returns their statuses.
func waitSettled(t *testing.T, ta *testApp, ctx context.Context, key string) map[notify.Channel]notify.Status {
	t.Helper()
	for range 3000 {
		got := map[notify.Channel]notify.Status{}
		require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT d.channel, d.status FROM notify_deliveries d
				WHERE d.notification_id = (SELECT id FROM notifications WHERE key = $1 ORDER BY created_at DESC LIMIT 1)`, key)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var c notify.Channel
				var s notify.Status
				if err := rows.Scan(&c, &s); err != nil {
					return err
				}
				got[c] = s
			}
			return rows.Err()
		}))
		done := len(got) > 0
		for _, s := range got {
			done = done && (s == notify.Delivered || s == notify.Permanent)
		}
		if done {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the deliveries of %s did not settle", key)
	return nil
}
