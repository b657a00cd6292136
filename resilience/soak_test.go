package resilience

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/tenant/tenanttest"
)

var (
	soakFor  = flag.Duration("soak", time.Minute, "how long TestSoak submits (make soak: SOAK=10m)")
	soakRate = flag.Float64("soak.rate", 0, "applications per second offered by all clients together; 0: each client as fast as the server answers (closed loop)")
	soakOut  = flag.String("soak.out", "", "a file to write the RSS samples to (seconds, KiB), for docs/reliability.md")
)

// The signed submission (W2) with automatic mode behind it, for -soak
// (a minute in `make test`, SOAK in `make soak`): no error of any kind
// and the server's memory flat. The RSS of the server process is sampled
// every 10 s; the mean of the last window (the last minute, or the last
// third of a soak shorter than 3 minutes) may exceed the first window's
// (the second minute: the first is the heap growing to the collector's
// target; or the middle third of a short soak) by at most 25 % + 48 MiB: the garbage collector at GOGC=400 lets the heap swing to five
// times what is live (a few tens of MB here), so a flat server's samples
// scatter by tens of MB, while a leak of the size that matters (anything
// per application or per request kept) grows with the count of
// applications and crosses the bound in a long soak.
func TestSoak(t *testing.T) {
	db := tenanttest.New(t)
	s := newServer(t, db, "")
	s.start()
	k := kyiv(t, db)
	var pace time.Duration
	if *soakRate > 0 {
		pace = time.Duration(float64(len(applicants)) / *soakRate * float64(time.Second))
	}
	// Warm-up: every client signed in and a first application each.
	cr := newCrowd(t, s, pace)
	cr.waitFor(t, len(applicants), "warm-up")

	type sample struct {
		at  time.Duration
		rss int64 // KiB
	}
	var samples []sample
	start := time.Now()
	startCount := cr.tl.confirmedCount()
	for {
		rss, err := rssKiB(s.pid())
		require.NoError(t, err)
		samples = append(samples, sample{time.Since(start), rss})
		if time.Since(start) >= *soakFor {
			break
		}
		time.Sleep(min(10*time.Second, time.Until(start.Add(*soakFor))))
	}
	elapsed := time.Since(start)
	cr.stop()
	applied := cr.tl.confirmedCount() - startCount
	t.Logf("soak of %s: %d applications confirmed (%.1f/s); clients: %s", elapsed.Round(time.Second), applied, float64(applied)/elapsed.Seconds(), cr.tl)

	// The first minute is left out (the heap growing to the collector's
	// target, 120 → 300 MiB in the first 30 s here): a long soak compares
	// its second minute with its last, a short one (under 3 minutes) its
	// middle third with its last.
	window, warm := time.Minute, time.Minute
	if *soakFor < 3*time.Minute {
		window, warm = *soakFor/3, *soakFor/3
	}
	var first, last []int64
	var steady []sample
	for _, sm := range samples {
		if sm.at >= warm && sm.at <= warm+window {
			first = append(first, sm.rss)
		}
		if sm.at >= elapsed-window {
			last = append(last, sm.rss)
		}
		if sm.at >= warm {
			steady = append(steady, sm)
		}
	}
	mean := func(v []int64) float64 {
		var sum int64
		for _, x := range v {
			sum += x
		}
		return float64(sum) / float64(len(v)) / 1024
	}
	// The slope of a least-squares line through the samples after the
	// warm-up, in MiB per minute.
	var sx, sy, sxx, sxy float64
	for _, sm := range steady {
		x, y := sm.at.Minutes(), float64(sm.rss)/1024
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(steady))
	slope := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	firstMiB, lastMiB := mean(first), mean(last)
	t.Logf("server RSS: %s from %s %.0f MiB, last %s %.0f MiB, slope %.2f MiB/min over %d samples (%d in all)",
		window, warm, firstMiB, window, lastMiB, slope, len(steady), len(samples))
	if *soakOut != "" {
		var b strings.Builder
		for _, sm := range samples {
			fmt.Fprintf(&b, "%.0f %d\n", sm.at.Seconds(), sm.rss)
		}
		require.NoError(t, os.WriteFile(*soakOut, []byte(b.String()), 0o644))
	}

	cr.tl.mu.Lock()
	errs := cr.tl.refused + cr.tl.clear + len(cr.tl.unclear)
	cr.tl.mu.Unlock()
	noUnclear(t, cr.tl)
	require.Zero(t, errs, "no error of any kind under load")
	require.LessOrEqual(t, lastMiB, firstMiB*1.25+48, "the server's memory grew")
	exactlyOnce(t, db, k, cr.tl, 5*time.Minute)
}
