package main

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/identity"
	"hromada/modules/participation"
	"hromada/tenant"
)

// TestProviderPolls: a provider head runs their provider's polls at
// /work/polls and nobody else's: not another provider's, not the city's.
func TestProviderPolls(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	var kyiv *tenant.Tenant
	for _, tn := range ts {
		if tn.Slug == "kyiv" {
			kyiv = tn
		}
	}
	require.NotNil(t, kyiv)
	ctx := tenant.With(t.Context(), kyiv)
	require.NoError(t, ta.particip.SetSettings(ctx, participation.SettingsForm{PetitionDays: "60", Threshold: "6000", ConsiderationDays: "10", City: "UA80000000000093317"}))
	var dcnap, transport, dispatcher string
	require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id::text FROM providers WHERE code = 'dcnap'`).Scan(&dcnap); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id::text FROM providers WHERE code = 'transport'`).Scan(&transport); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id::text FROM accounts WHERE rnokpp = $1`, appsPersona(t, "dispatcher").RNOKPP).Scan(&dispatcher)
	}))
	host := "kyiv." + testBase
	u := func(path string) string { return ta.url(host, path) }
	c := ta.client(t)
	signIn(t, ta, c, host, "provider_head")

	r := get(t, c, u("/work/polls?provider="+dcnap))
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.Equal(t, http.StatusForbidden, get(t, c, u("/work/polls?provider="+transport)).status)
	require.Equal(t, http.StatusForbidden, get(t, c, u("/admin/polls")).status, "the city's polls are the dispatcher's")

	form := url.Values{"provider": {dcnap}, "title": {"Години прийому ЦНАП у суботу"}, "question": {"Коли вам зручніше?"},
		"options": {"9:00–13:00\n10:00–14:00"}, "kind": {"single"}, "area": {"UA80000000000093317"}, "min_age": {"18"},
		"closes_on": {time.Now().In(tenant.Zone).AddDate(0, 0, 5).Format("2006-01-02")}}
	r = do(t, c, http.MethodPost, u("/work/polls"), form, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	polls, err := ta.particip.Polls(ctx, true, nil)
	require.NoError(t, err)
	require.Len(t, polls, 1)
	mine := polls[0]
	require.Equal(t, dcnap, mine.Provider.String())
	r = do(t, c, http.MethodPost, u("/work/polls/"+mine.ID.String()+"/publish"), url.Values{"provider": {dcnap}}, nil)
	require.Equal(t, http.StatusSeeOther, r.status, r.body)
	require.Equal(t, "/work/polls?done=poll_published&provider="+dcnap, r.header.Get("Location"))

	// The dispatcher's poll of the city: the head may not publish it.
	sg := &identity.Signed{AccountID: uuid.MustParse(dispatcher), FullName: "Марія Олійник"}
	city, err := ta.particip.CreatePoll(identity.WithSigned(ctx, sg), access.RoleDispatcher, participation.PollForm{Title: "Міське", Question: "?",
		Options: "так\nні", Area: "UA80000000000093317", MinAge: "18", ClosesOn: form.Get("closes_on")})
	require.NoError(t, err)
	r = do(t, c, http.MethodPost, u("/work/polls/"+city.String()+"/publish"), url.Values{"provider": {dcnap}}, nil)
	require.Equal(t, http.StatusForbidden, r.status)
	p, err := ta.particip.Poll(ctx, city, true)
	require.NoError(t, err)
	require.Equal(t, participation.PollDraft, p.Status)
}
