package trustlist

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics exposes the lists in force to Prometheus, read from the database
// at each scrape (every process sees what the worker imported), and counts
// the refreshes that failed in this process.
type Metrics struct {
	reg      *Register
	failures prometheus.Counter
	issued   *prometheus.Desc
	next     *prometheus.Desc
	age      *prometheus.Desc
	seq      *prometheus.Desc
	up       *prometheus.Desc
}

// NewMetrics returns the collector of reg's lists; register it once.
func NewMetrics(reg *Register) *Metrics {
	scheme := []string{"scheme"}
	return &Metrics{
		reg: reg,
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "hromada_trusted_list_refresh_failures_total",
			Help: "Refreshes of a Trusted List that failed (fetch, seal or format); the last good list stayed in force."}),
		issued: prometheus.NewDesc("hromada_trusted_list_issued_timestamp_seconds", "ListIssueDateTime of the Trusted List in force.", scheme, nil),
		next:   prometheus.NewDesc("hromada_trusted_list_next_update_timestamp_seconds", "NextUpdate of the Trusted List in force (absent for a closed list).", scheme, nil),
		age:    prometheus.NewDesc("hromada_trusted_list_age_seconds", "How long ago the Trusted List in force was issued.", scheme, nil),
		seq:    prometheus.NewDesc("hromada_trusted_list_sequence_number", "TSLSequenceNumber of the Trusted List in force.", scheme, nil),
		up:     prometheus.NewDesc("hromada_trusted_list_read_ok", "1 if the lists in force could be read for this scrape.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.failures.Describe(ch)
	for _, d := range []*prometheus.Desc{m.issued, m.next, m.age, m.seq, m.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.failures.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ls, err := m.reg.Lists(ctx)
	if err != nil {
		m.reg.log.Warn("trustlist: metrics: reading the lists", "error", err)
		ch <- prometheus.MustNewConstMetric(m.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(m.up, prometheus.GaugeValue, 1)
	now := m.reg.now()
	for _, l := range ls {
		ch <- prometheus.MustNewConstMetric(m.issued, prometheus.GaugeValue, float64(l.IssuedAt.Unix()), l.Scheme)
		ch <- prometheus.MustNewConstMetric(m.age, prometheus.GaugeValue, now.Sub(l.IssuedAt).Seconds(), l.Scheme)
		ch <- prometheus.MustNewConstMetric(m.seq, prometheus.GaugeValue, float64(l.SequenceNumber), l.Scheme)
		if !l.NextUpdate.IsZero() {
			ch <- prometheus.MustNewConstMetric(m.next, prometheus.GaugeValue, float64(l.NextUpdate.Unix()), l.Scheme)
		}
	}
}
