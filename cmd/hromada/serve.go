package main

import (
	"context"
	"errors"
	"fmt"
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
	go a.catalogCache.Listen(listenCtx, a.appPool, a.log)
	// A process whose life line broke stops its workers (others may take
	// their jobs now) and holds the line again once the database is back;
	// if it cannot start its workers again, it stops.
	ctx, lost := context.WithCancelCause(ctx)
	defer lost(nil)
	if workers && a.line != nil {
		a.line.Lost = func(err error) {
			go func() {
				if err := a.relink(listenCtx, err); err != nil {
					lost(fmt.Errorf("lifeline lost: %w", err))
				}
			}()
		}
		go a.line.Run(listenCtx)
	}
	if a.views != nil {
		go a.views.Run(listenCtx)
	}

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
	// The card views counted since the last flush, once no request can
	// add to them.
	if a.views != nil {
		if e := a.views.Flush(stopCtx); e != nil {
			a.log.Error("monitoring: last flush of card views", "error", e)
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if cause := context.Cause(ctx); err == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause
	}
	a.log.Info("stopped")
	return err
}

// relink stops the workers after the life line broke (cause), waits for
// the database to take the line again, then starts the workers and the
// line's sweeps again: the web keeps serving meanwhile, and the process
// is not restarted. It returns when the workers run again, or with the
// error that prevents it (ctx ended: the process is stopping).
func (a *App) relink(ctx context.Context, cause error) error {
	a.log.Warn("lifeline lost: workers stopped until the database takes the line again", "error", cause)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
	a.stopWorkers(stopCtx)
	cancel()
	for {
		err := a.line.Reconnect(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Warn("lifeline: not held yet; trying again", "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	if err := a.river.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	a.log.Warn("lifeline held again: workers running")
	go a.line.Run(ctx)
	return nil
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
