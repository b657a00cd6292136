package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"
)

// jobsUIProbe is a job of a kind no worker works: it stays available (or
// fails and waits for a retry), with args that carry a person's data.
type jobsUIProbe struct {
	TenantID string `json:"tenant_id"`
	RNOKPP   string `json:"rnokpp"`
}

func (jobsUIProbe) Kind() string { return "jobsui_probe" }

// Operators see the background jobs in River's UI on the console (issue
// 23): its API answers the signed-in operator — queues, jobs, one job —
// with every job's args cut down to its tenant; anonymous requests are
// sent to sign in, a city's staff and residents reach nothing (their
// sessions are the cities', and the UI is not on a city's host), and a
// cross-site retry is refused.
func TestOperatorSeesJobs(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	ta := e.ta
	console := func(p string) string { return ta.url(testBase, p) }
	const rnokpp = "3221501449"

	client, err := river.NewClient(riverpgxv5.New(ta.db.App.Pool()), &river.Config{})
	require.NoError(t, err)
	res, err := client.Insert(t.Context(), jobsUIProbe{TenantID: e.kyiv.ID.String(), RNOKPP: rnokpp},
		&river.InsertOpts{Queue: "jobsui_probe", MaxAttempts: 3})
	require.NoError(t, err)
	id := res.Job.ID

	// Anonymous: to sign in, for the page and the API alike.
	anon := ta.unchecked(t)
	for _, p := range []string{"/jobs", "/jobs/api/queues", fmt.Sprintf("/jobs/api/jobs/%d", id)} {
		r := get(t, anon, console(p))
		require.Equal(t, http.StatusSeeOther, r.status, p)
		require.Equal(t, "/signin", r.header.Get("Location"), p)
	}

	// A city's administrator and a resident, signed in at Kyiv: the UI is
	// not on a city's host, and their session is nobody on the console's.
	for _, persona := range []string{"administrator", "resident"} {
		c := e.as(appsKyiv, persona)
		require.Equal(t, http.StatusNotFound, get(t, c, ta.url(appsKyiv, "/jobs/api/queues")).status, persona)
		var cookies []string
		for _, ck := range c.Jar.Cookies(mustURL(t, ta.url(appsKyiv, "/"))) {
			cookies = append(cookies, ck.Name+"="+ck.Value)
		}
		require.NotEmpty(t, cookies)
		r := do(t, ta.unchecked(t), http.MethodGet, console("/jobs/api/queues"), nil, map[string]string{"Cookie": strings.Join(cookies, "; ")})
		require.Equal(t, http.StatusSeeOther, r.status, "%s's session on the console", persona)
	}

	// The operator.
	op := ta.client(t)
	require.Equal(t, http.StatusSeeOther, do(t, op, http.MethodPost, console("/signin"), url.Values{"key": {testKey}}, nil).status)
	page := do(t, op, http.MethodGet, console("/jobs/"), nil, map[string]string{"Accept": "text/html"})
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, `"/jobs/api"`, "the UI's page names its API under the console's prefix")

	r := get(t, op, console("/jobs/api/queues"))
	require.Equal(t, http.StatusOK, r.status, r.body)
	// River's producers record their queues as they start.
	eventually(t, func() bool {
		r := get(t, op, console("/jobs/api/queues"))
		var queues struct {
			Data []struct {
				Name string `json:"name"`
			} `json:"data"`
		}
		require.Equal(t, http.StatusOK, r.status, r.body)
		require.NoError(t, json.Unmarshal([]byte(r.body), &queues))
		for _, q := range queues.Data {
			if q.Name == river.QueueDefault {
				return true
			}
		}
		return false
	}, "the default queue is not in the UI's list")

	r = get(t, op, console("/jobs/api/jobs?kinds=jobsui_probe&state=available&limit=10"))
	require.Equal(t, http.StatusOK, r.status, r.body)
	var list struct {
		Data []struct {
			ID   int64  `json:"id"`
			Kind string `json:"kind"`
			Args string `json:"args"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &list))
	require.Len(t, list.Data, 1, r.body)
	require.Equal(t, id, list.Data[0].ID)
	require.JSONEq(t, fmt.Sprintf(`{"tenant_id": %q}`, e.kyiv.ID), list.Data[0].Args, "only the tenant of the job's args")
	require.NotContains(t, r.body, rnokpp)

	r = get(t, op, console(fmt.Sprintf("/jobs/api/jobs/%d", id)))
	require.Equal(t, http.StatusOK, r.status, r.body)
	require.NotContains(t, r.body, rnokpp)
	require.Contains(t, r.body, `"kind":"jobsui_probe"`)

	// Cancelling is the operator's, from the console's own page only: from
	// another site it is refused and the job stays as it was.
	cancel := func(header map[string]string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, console("/jobs/api/jobs/cancel"),
			strings.NewReader(fmt.Sprintf(`{"ids":["%d"]}`, id)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := op.Do(req)
		require.NoError(t, err)
		require.NoError(t, res.Body.Close())
		return res.StatusCode
	}
	state := func() (state, args string) {
		require.NoError(t, ta.db.Owner.QueryRow(t.Context(), `SELECT state::text, args::text FROM river_job WHERE id = $1`, id).Scan(&state, &args))
		return state, args
	}
	require.Equal(t, http.StatusForbidden, cancel(map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"}))
	st, args := state()
	require.Equal(t, "available", st)
	require.Contains(t, args, rnokpp, "the UI hides the args; River keeps them")
	require.Equal(t, http.StatusOK, cancel(map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": console("")}))
	st, _ = state()
	require.Equal(t, "cancelled", st)
}
