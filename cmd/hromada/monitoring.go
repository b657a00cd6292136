package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/riverqueue/river"

	"hromada/modules/access"
	"hromada/modules/monitoring"
)

// exchangeEvery is how often the cities' national messages are built
// (a day is built once, after it ends; the period bounds the delay).
const exchangeEvery = time.Hour

// openMonitoring wires the indicators, the card views' counter (the
// catalog counts into it; serve flushes it) and the national exchange.
func (a *App) openMonitoring() error {
	national, err := a.nationalClient()
	if err != nil {
		return err
	}
	a.monitoring = monitoring.New(monitoring.Options{DB: a.db, Log: a.log, Seals: a.sealer, Insert: a.insertJob, National: national})
	a.views = monitoring.NewViews(a.db, a.log, nil)
	return nil
}

// nationalClient is the national receiver with the platform's client
// certificate (mutual TLS); nil when none is configured.
func (a *App) nationalClient() (*monitoring.National, error) {
	cfg := a.cfg
	if cfg.NationalURL == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.NationalCert, cfg.NationalKey)
	if err != nil {
		return nil, configError{fmt.Errorf("HROMADA_NATIONAL_CERT_FILE, HROMADA_NATIONAL_KEY_FILE: %w", err)}
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if cfg.NationalCA != "" {
		if tc.RootCAs, err = caPool("HROMADA_NATIONAL_CA_FILE", cfg.NationalCA); err != nil {
			return nil, err
		}
	}
	return &monitoring.National{URL: cfg.NationalURL,
		Client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}}, nil
}

// monitoringWorkers registers the indicators' rollup, the national
// exchange and their periodic fan-outs over the cities.
func (a *App) monitoringWorkers(workers *river.Workers, rc *river.Config) {
	river.AddWorker(workers, monitoring.NewRollupWorker(a.db))
	river.AddWorker(workers, &monitoring.RollupAllWorker{DB: a.db})
	river.AddWorker(workers, monitoring.NewExchangeWorker(a.monitoring))
	river.AddWorker(workers, &monitoring.ExchangeAllWorker{DB: a.db})
	river.AddWorker(workers, monitoring.NewSendWorker(a.monitoring))
	rc.PeriodicJobs = append(rc.PeriodicJobs, monitoring.PeriodicRollup(),
		river.NewPeriodicJob(river.PeriodicInterval(exchangeEvery), func() (river.JobArgs, *river.InsertOpts) {
			return monitoring.ExchangeAllArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: exchangeEvery}}
		}, nil))
}

// monitoringRoutes mounts the dashboard, the open statistics and the
// indicators' open data on the portal.
func (a *App) monitoringRoutes(portal chi.Router, guard *access.Guard) {
	monitoring.NewHTTP(a.monitoring, a.renderer).Routes(portal, guard)
}

// caPool is the PEM file at path, the setting's value, as the only roots a
// client trusts; a file that cannot be read or holds no certificate is a
// configuration error naming the setting.
func caPool(setting, path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, configError{fmt.Errorf("%s: %w", setting, err)}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, configError{errors.New(setting + ": no certificate in it")}
	}
	return pool, nil
}
