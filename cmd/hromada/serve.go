package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// healthHandler is the web surface of `hromada worker`: probes and metrics.
func (a *App) healthHandler() http.Handler {
	r := chi.NewRouter()
	a.healthRoutes(r)
	return r
}

// serve runs h on ln and, if workers, the River workers, until ctx ends or
// the server fails; then it stops both gracefully: the server stops taking
// connections and lets requests in flight finish, River stops fetching and
// lets jobs in flight finish, both within the shutdown timeout. A job still
// running then is cancelled; River records it as failed with an attempt
// left, so another process works it again: it is delayed, never lost.
func (a *App) serve(ctx context.Context, ln net.Listener, h http.Handler, workers bool) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      handlerTimeout + 10*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// Requests get a context that the stop does not cancel: Shutdown
		// waits for them instead.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	listenCtx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
	defer stopListening()
	go a.dir.Listen(listenCtx, a.log)
	go a.access.Listen(listenCtx, a.log)

	if workers {
		// River's Start context is the jobs' base context; a stop goes
		// through Stop below, not through cancelling it.
		if err := a.river.Start(context.WithoutCancel(ctx)); err != nil {
			return err
		}
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	a.log.Info("serving", "addr", ln.Addr().String(), "workers", workers)

	var err error
	select {
	case <-ctx.Done():
		a.log.Info("stopping: draining requests and jobs", "timeout", a.cfg.ShutdownTimeout)
	case err = <-serveErr:
		a.log.Error("server failed", "error", err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		if e := srv.Shutdown(stopCtx); e != nil {
			a.log.Warn("requests still open at the stop timeout; closing them", "error", e)
			_ = srv.Close()
		}
	})
	if workers {
		wg.Go(func() { a.stopWorkers(stopCtx) })
	}
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	a.log.Info("stopped")
	return err
}

func (a *App) stopWorkers(ctx context.Context) {
	err := a.river.Stop(ctx)
	if err == nil {
		return
	}
	a.log.Warn("jobs still running at the stop timeout; cancelling them (they will be retried)", "error", err)
	hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.river.StopAndCancel(hard); err != nil {
		a.log.Error("workers did not stop", "error", err)
	}
}
