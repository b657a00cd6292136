package applications_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/tenant"
)

// lockedBuffer is a log's output, written by the pipeline and read by the
// test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestGiveUpLogs: a step of automatic mode that fails its last attempt
// sends the application to the officials; nobody waits for a job, so the
// giving up and every failure on the way are in the log, with the job's
// error.
func TestGiveUpLogs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var out lockedBuffer
	p := &applications.Pipeline{Svc: e.svc, Log: slog.New(slog.NewJSONHandler(&out, nil))}
	job := func(args any) *rivertype.JobRow {
		raw, err := json.Marshal(args)
		require.NoError(t, err)
		return &rivertype.JobRow{ID: 7, Kind: "applications.decide", Attempt: 5, MaxAttempts: 5, EncodedArgs: raw}
	}
	giveUp := func(j *rivertype.JobRow) string {
		t.Helper()
		before := len(out.String())
		require.Nil(t, p.HandleError(e.ctx, j, errors.New("the registry is down")))
		return out.String()[before:]
	}

	// Handed over: the giving up is logged with the job's error.
	app := e.submitted(t, e.o1, e.r1, "T-1")
	got := giveUp(job(applications.DecideArgs{Envelope: tenant.Envelope{TenantID: e.tn.ID}, ApplicationID: app.ID}))
	require.Contains(t, got, "automatic mode gives up")
	require.Contains(t, got, "the registry is down")
	require.NotContains(t, got, `"level":"ERROR"`)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM automatic_runs WHERE application_id = $1 AND step = 'manual'`, app.ID))

	// No such application: the failed hand-over is logged.
	got = giveUp(job(applications.DecideArgs{Envelope: tenant.Envelope{TenantID: e.tn.ID}, ApplicationID: uuid.New()}))
	require.Contains(t, got, "handing the application to the officials")
	require.Contains(t, got, `"level":"ERROR"`)

	// Arguments that do not decode, and a job naming no tenant.
	bad := job(nil)
	bad.EncodedArgs = []byte("{")
	require.Contains(t, giveUp(bad), "the job's arguments do not decode")
	require.Contains(t, giveUp(job(map[string]string{})), "the job names no tenant")
	require.Equal(t, 4, strings.Count(out.String(), "automatic mode gives up"))
}
