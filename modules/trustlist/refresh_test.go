package trustlist_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"hromada/modules/trustlist"
	"hromada/modules/trustlist/trustlisttest"
)

// publisher serves whatever list the test last gave it, or fails.
type publisher struct {
	mu     sync.Mutex
	body   []byte
	status int
}

func (p *publisher) set(status int, body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.body = status, body
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(p.status)
	_, _ = w.Write(p.body)
}

func TestRefreshKeepsTheLastGoodList(t *testing.T) {
	t.Parallel()
	b := setup(t, trustlisttest.NewCA(t, "ЦЗО (тест)", trustlisttest.Key(t, false)))
	ctx := t.Context()
	pub := &publisher{}
	srv := httptest.NewServer(pub)
	t.Cleanup(srv.Close)
	metrics := trustlist.NewMetrics(b.reg)
	w := &trustlist.RefreshWorker{Register: b.reg, URLs: []string{srv.URL + "/TL-UA.xml"}, Metrics: metrics}
	sequence := func() int64 {
		t.Helper()
		ls, err := b.reg.Lists(ctx)
		require.NoError(t, err)
		require.Len(t, ls, 1)
		require.Equal(t, srv.URL+"/TL-UA.xml", ls[0].Source)
		return ls[0].SequenceNumber
	}

	pub.set(http.StatusOK, b.sealed(t, 1))
	require.NoError(t, w.Work(ctx, nil))
	require.EqualValues(t, 1, sequence())

	pub.set(http.StatusOK, b.anchor.Seal(t, b.list(1).XML(t))) // republished, same number
	require.NoError(t, w.Work(ctx, nil), "a list that is not newer is not a failure")

	pub.set(http.StatusServiceUnavailable, []byte("down"))
	require.ErrorContains(t, w.Work(ctx, nil), "503")
	require.EqualValues(t, 1, sequence())

	other := trustlisttest.NewCA(t, "Підробка", trustlisttest.Key(t, false))
	pub.set(http.StatusOK, other.Seal(t, b.list(2).XML(t)))
	require.ErrorIs(t, w.Work(ctx, nil), trustlist.ErrSeal)
	require.EqualValues(t, 1, sequence())

	pub.set(http.StatusOK, b.sealed(t, 2))
	require.NoError(t, w.Work(ctx, nil))
	require.EqualValues(t, 2, sequence())

	got := gather(t, metrics)
	require.InDelta(t, 2, got["hromada_trusted_list_refresh_failures_total"].GetCounter().GetValue(), 0)
	require.InDelta(t, 2, got["hromada_trusted_list_sequence_number"].GetGauge().GetValue(), 0)
	require.InDelta(t, 3600, got["hromada_trusted_list_age_seconds"].GetGauge().GetValue(), 0)
	require.InDelta(t, float64(b.now.Add(24*3600e9).Unix()), got["hromada_trusted_list_next_update_timestamp_seconds"].GetGauge().GetValue(), 0)
	require.Equal(t, "UA: Довірчий список (ДСТУ)", got["hromada_trusted_list_age_seconds"].GetLabel()[0].GetValue())
}

// gather collects m's metrics, one sample per name.
func gather(t *testing.T, m prometheus.Collector) map[string]*dto.Metric {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]*dto.Metric{}
	for _, mf := range mfs {
		require.Len(t, mf.GetMetric(), 1, mf.GetName())
		out[mf.GetName()] = mf.GetMetric()[0]
	}
	return out
}
