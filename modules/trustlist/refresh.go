package trustlist

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/riverqueue/river"
)

// RefreshArgs is the periodic job that fetches the lists from their
// published addresses (HROMADA_TRUSTED_LIST_URL). It is a platform job: it
// carries no tenant.
type RefreshArgs struct{}

// Kind is River's name for the job.
func (RefreshArgs) Kind() string { return "trustlist.refresh" }

// RefreshEvery is how often the lists are fetched. A list names its next
// update months ahead, but the authority may publish one earlier (a
// provider withdrawn), so it is looked at hourly; an unchanged list costs
// one download and a seal check.
const RefreshEvery = time.Hour

// maxListBytes bounds a download: the lists are a few megabytes.
const maxListBytes = 64 << 20

// RefreshWorker fetches and imports each list. A list that cannot be
// fetched, or whose seal or format is refused, is logged and counted
// (Metrics) and changes nothing: the last good list stays in force. A list
// not newer than the one in force is not news.
type RefreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	Register *Register
	URLs     []string
	// Client fetches the lists. Default: a client with a one-minute
	// timeout.
	Client *http.Client
	// Metrics, when set, counts the failed refreshes.
	Metrics *Metrics
}

// Work refreshes every list; it fails (and River tries again) when one of
// them could not be fetched or imported.
func (w *RefreshWorker) Work(ctx context.Context, _ *river.Job[RefreshArgs]) error {
	var errs []error
	for _, u := range w.URLs {
		if err := w.refresh(ctx, u); err != nil {
			w.Register.log.WarnContext(ctx, "trustlist: refresh failed; the last good list stays in force", "url", u, "error", err)
			if w.Metrics != nil {
				w.Metrics.failures.Inc()
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (w *RefreshWorker) refresh(ctx context.Context, url string) error {
	raw, err := w.fetch(ctx, url)
	if err != nil {
		return err
	}
	_, _, err = w.Register.Import(ctx, raw, url)
	if ErrStale.Is(err) {
		w.Register.log.InfoContext(ctx, "trustlist: the published list is not newer than the one in force", "url", url, "detail", err)
		return nil
	}
	return err
}

func (w *RefreshWorker) fetch(ctx context.Context, url string) ([]byte, error) {
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("trustlist: fetching %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("trustlist: fetching %s: %s", url, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("trustlist: fetching %s: %w", url, err)
	}
	if len(raw) > maxListBytes {
		return nil, fmt.Errorf("trustlist: %s is larger than %d bytes", url, maxListBytes)
	}
	return raw, nil
}

// PeriodicRefresh is the River periodic job of the refresh: on start, then
// every RefreshEvery, a few attempts each, never two for the same period.
func PeriodicRefresh() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(RefreshEvery), func() (river.JobArgs, *river.InsertOpts) {
		return RefreshArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: RefreshEvery}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
