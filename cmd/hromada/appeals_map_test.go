package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/appeals"
)

// Published appeals about public things are on the centres' map (issue
// 18): a pothole the resident published, with its point, is listed under
// the map and marked on it, without the author; one not published, or
// without a point, is not there.
func TestAppealsOnTheCentresMap(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	public := e.fileAppeal("resident", appeals.Filing{Kind: appeals.Complaint, Category: "roads", Key: "map-1",
		Body: "Глибока яма на проїжджій частині біля зупинки", Address: "вул. Велика Васильківська, 100", Lat: "50.4268", Lon: "30.5161", Public: true})
	private := e.fileAppeal("resident", appeals.Filing{Kind: appeals.Complaint, Category: "roads", Key: "map-2",
		Body: "Яма біля мого під’їзду, прошу залатати", Address: "вул. Хрещатик, 1", Lat: "50.4501", Lon: "30.5234"})
	r := get(t, e.ta.client(t), e.u("/centres/map"))
	require.Equal(t, http.StatusOK, r.status)
	body := appsText(r)
	require.Contains(t, body, "Звернення мешканців на мапі")
	require.Contains(t, body, `href="/appeals/public/`+public+`"`)
	require.Contains(t, body, "вул. Велика Васильківська, 100")
	require.Contains(t, body, `"id":"`+public+`"`, "a mark on the map")
	require.Contains(t, body, `"lat":50.4268`)
	require.NotContains(t, body, private, "an appeal not published is not shown")
	resident := appsPersona(t, "resident")
	require.NotContains(t, body, resident.FamilyName, "never the author")
}
