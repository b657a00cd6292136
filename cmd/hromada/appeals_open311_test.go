package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/appeals"
	"hromada/modules/identity"
	"hromada/tenant"
)

// TestOpen311 is written from the Open311 GeoReport v2 specification:
// services.json lists services with service_code, service_name,
// description, metadata, type (realtime, batch or blackbox), keywords
// and group; services/{code}.json is a service definition with its
// attributes; requests.json GET returns service requests with the
// specification's fields, filtered by service_request_id, service_code,
// start_date, end_date and status (open, closed); POST requires the
// api_key and a location (lat and long, or address_string) and answers
// with service_request_id and service_notice; requests/{id}.json is one
// request; every answer, an error too, is a JSON array, an error being
// objects of code and description. Hromada adds the law: a POST without
// a name and a way to answer is refused (art. 8), and only appeals their
// authors agreed to publish are served, without personal data.
func TestOpen311(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	c := e.ta.client(t)
	getJSON := func(path string, wantStatus int, v any) {
		t.Helper()
		r := get(t, c, e.u(path))
		require.Equal(t, wantStatus, r.status, r.body)
		require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
		require.NoError(t, json.Unmarshal([]byte(r.body), v), r.body)
	}
	post := func(form url.Values, wantStatus int, v any) {
		t.Helper()
		r := do(t, c, http.MethodPost, e.u("/open311/v2/requests.json"), form, nil)
		require.Equal(t, wantStatus, r.status, r.body)
		require.NoError(t, json.Unmarshal([]byte(r.body), v), r.body)
	}
	requireError := func(errs []map[string]any, code int) {
		t.Helper()
		require.NotEmpty(t, errs)
		for _, er := range errs {
			require.Equal(t, float64(code), er["code"])
			require.NotEmpty(t, er["description"])
		}
	}

	// services.json
	var services []map[string]any
	getJSON("/open311/v2/services.json", http.StatusOK, &services)
	require.NotEmpty(t, services)
	codes := map[string]bool{}
	for _, s := range services {
		for _, k := range []string{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"} {
			require.Contains(t, s, k)
		}
		require.Contains(t, []string{"realtime", "batch", "blackbox"}, s["type"])
		require.IsType(t, false, s["metadata"])
		codes[s["service_code"].(string)] = true
	}
	require.True(t, codes["roads"])

	// services/{code}.json
	var def map[string]any
	getJSON("/open311/v2/services/roads.json", http.StatusOK, &def)
	require.Equal(t, "roads", def["service_code"])
	require.Equal(t, []any{}, def["attributes"])
	var errs []map[string]any
	getJSON("/open311/v2/services/nope.json", http.StatusNotFound, &errs)
	requireError(errs, http.StatusNotFound)

	// POST requests.json: the key, the location, the person.
	key := e.open311Key()
	form := url.Values{"api_key": {key}, "service_code": {"roads"}, "lat": {"50.4501"}, "long": {"30.5234"},
		"description": {"Не працює світлофор і яма на переході; телефонуйте +380 67 123 45 67 або olena@example.com"},
		"first_name":  {"Олена"}, "last_name": {"Шевченко"}, "email": {"olena@example.com"}}
	without := func(k string) url.Values {
		f := url.Values{}
		for kk, v := range form {
			if kk != k {
				f[kk] = v
			}
		}
		return f
	}
	post(without("api_key"), http.StatusForbidden, &errs)
	requireError(errs, http.StatusForbidden)
	bad := without("api_key")
	bad.Set("api_key", "not-a-key")
	post(bad, http.StatusForbidden, &errs)
	requireError(errs, http.StatusForbidden)
	post(without("service_code"), http.StatusBadRequest, &errs)
	requireError(errs, http.StatusBadRequest)
	noPlace := without("lat")
	post(noPlace, http.StatusBadRequest, &errs)
	requireError(errs, http.StatusBadRequest)
	post(without("last_name"), http.StatusBadRequest, &errs)
	requireError(errs, http.StatusBadRequest)
	require.Contains(t, errs[0]["description"], "art. 8")
	var created []map[string]any
	post(form, http.StatusCreated, &created)
	require.Len(t, created, 1)
	id, ok := created[0]["service_request_id"].(string)
	require.True(t, ok)
	require.Contains(t, created[0], "service_notice")

	// A resident's appeal not published stays out.
	private := e.fileAppeal("resident", appeals.Filing{Kind: appeals.Complaint, Category: "roads", Body: "Яма біля мого під’їзду, прошу залатати", Address: "вул. Хрещатик, 1"})

	// GET requests.json
	var reqs []map[string]any
	getJSON("/open311/v2/requests.json", http.StatusOK, &reqs)
	require.Len(t, reqs, 1)
	r := reqs[0]
	for _, k := range []string{"service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
		"service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"} {
		require.Contains(t, r, k)
	}
	require.Equal(t, id, r["service_request_id"])
	require.Equal(t, "open", r["status"])
	require.Equal(t, "roads", r["service_code"])
	require.Equal(t, 50.4501, r["lat"])
	require.Equal(t, 30.5234, r["long"])
	require.Equal(t, "Департамент транспортної інфраструктури", r["agency_responsible"])
	for _, k := range []string{"requested_datetime", "expected_datetime", "updated_datetime"} {
		_, err := time.Parse(time.RFC3339, r[k].(string))
		require.NoError(t, err, k)
	}
	require.NotContains(t, r["description"], "123 45 67", "no phone number")
	require.NotContains(t, r["description"], "olena@example.com", "no e-mail")
	raw := get(t, c, e.u("/open311/v2/requests.json")).body
	require.NotContains(t, raw, "Шевченко", "no name")
	require.NotContains(t, raw, private, "an appeal not published")

	getJSON("/open311/v2/requests.json?service_code=lighting", http.StatusOK, &reqs)
	require.Empty(t, reqs)
	require.Equal(t, "[]\n", get(t, c, e.u("/open311/v2/requests.json?status=closed")).body, "an empty list is an array")
	getJSON("/open311/v2/requests.json?status=open&service_request_id="+id, http.StatusOK, &reqs)
	require.Len(t, reqs, 1)
	getJSON("/open311/v2/requests.json?start_date=yesterday", http.StatusBadRequest, &errs)
	requireError(errs, http.StatusBadRequest)
	getJSON("/open311/v2/requests.json?end_date=2020-01-01T00:00:00Z", http.StatusOK, &reqs)
	require.Empty(t, reqs)

	// requests/{id}.json
	getJSON("/open311/v2/requests/"+id+".json", http.StatusOK, &reqs)
	require.Len(t, reqs, 1)
	require.Equal(t, id, reqs[0]["service_request_id"])
	getJSON("/open311/v2/requests/"+private+".json", http.StatusNotFound, &errs)
	requireError(errs, http.StatusNotFound)
	getJSON("/open311/v2/requests/"+uuid.NewString()+".json", http.StatusNotFound, &errs)
	requireError(errs, http.StatusNotFound)
}

// open311Key makes an Open311 key in Kyiv, as its dispatcher does.
func (e *appsEnv) open311Key() string {
	e.t.Helper()
	key, err := e.ta.appeals.NewKey(e.signedAs("dispatcher"), "Контакт-центр 1551")
	require.NoError(e.t, err)
	return key
}

// fileAppeal files an appeal in Kyiv as a persona (signed in once, so
// that the account exists); its id.
func (e *appsEnv) fileAppeal(persona string, f appeals.Filing) string {
	e.t.Helper()
	e.as(e.host, persona)
	a, errs, err := e.ta.appeals.File(e.signedAs(persona), f, nil)
	require.NoError(e.t, err)
	require.Empty(e.t, errs)
	return a.ID.String()
}

// signedAs is Kyiv's context with a persona signed in.
func (e *appsEnv) signedAs(persona string) context.Context {
	e.t.Helper()
	p := appsPersona(e.t, persona)
	var id uuid.UUID
	e.tx(func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM accounts WHERE rnokpp = $1`, p.RNOKPP).Scan(&id)
	})
	return identity.WithSigned(tenant.With(e.t.Context(), e.kyiv), &identity.Signed{AccountID: id, RNOKPP: p.RNOKPP, FullName: p.FullName()})
}
