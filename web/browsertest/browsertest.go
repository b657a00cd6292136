// Package browsertest lets Go tests drive a real headless Chromium against
// pages served on localhost (httptest or a real server), take screenshots and
// run axe-core WCAG 2.1 AA checks.
//
// Why a real browser: the portal is server-rendered and must work for people
// using keyboards, screen readers and phones. Only a browser shows what they
// get: the rendered layout (screenshots), the focus order (press Tab, see what
// is focused) and the accessibility tree (axe-core).
//
// Why a Node helper: playwright-core drives Debian's /usr/bin/chromium and
// axe-core runs inside the page; both are npm packages pinned in
// testdata/browser/package-lock.json. The Go side only speaks JSON with
// testdata/browser/driver.mjs, so the Go module gains no dependency. No
// browser is ever downloaded: .ci/install-browser.sh installs the Debian
// package and the npm packages.
//
// Chromium starts once per [Run] call, and each [Scenario] gets a fresh
// browser context (no shared cookies), so a test package should collect all of
// its scenarios and call Run once.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// RunTimeout bounds one [Run] call (browser start and all scenarios), so a
// hung browser fails the test instead of eating the CI time budget.
const RunTimeout = 5 * time.Minute

// installTimeout bounds .ci/install-browser.sh, which may apt-get install
// Chromium on a fresh machine.
const installTimeout = 15 * time.Minute

// Step is one declarative action of a [Scenario]. Which fields matter depends
// on Op:
//
//   - "goto": URL. Records the HTTP status of the main response and the final
//     URL. A 4xx/5xx status is not a failure by itself: check Status.
//   - "click": Selector (Playwright syntax: "text=English", "#id",
//     `role=button[name="Застосувати"]`). Waits for a navigation it causes;
//     Status is then that navigation's status.
//   - "fill": Selector, Value. "check": Selector. "select": Selector (a
//     <select>), Value (the option's value). "upload": Selector (a file
//     input), Value (the path of the file to choose). "press": Selector, Key
//     ("Tab", "Enter"; waits for a navigation like click).
//   - "text": Selector; the innerText of the first match goes to Text.
//   - "waitText": Selector, Value; waits (up to the step's timeout) until
//     an element matching Selector contains Value — a page updating
//     itself — and puts its innerText in Text.
//   - "attr": Selector, Name; the attribute value goes to Text ("" if absent).
//   - "focused": Text describes document.activeElement, e.g.
//     `button#send[type="submit"] "Надіслати"` or `a href="/uk/help" "Довідка"`.
//   - "screenshot": Name (file name without .png), FullPage. File is the path.
//   - "download": Selector; clicks it and keeps the file it downloads
//     beside the screenshots: its path in File, its content in Text.
//   - "overflow": Text is how many CSS pixels the page is wider than the
//     viewport ("0": no sideways scrolling).
//   - "grant": Value names a permission ("notifications"), granted to the
//     origin of URL or of the page: a person answering "allow" (headless
//     Chromium answers "denied" by itself).
//   - "pushSubscription": Value is a PushSubscription's JSON ({endpoint,
//     keys: {p256dh, auth}}); from the next page on, PushManager.subscribe
//     gives it (after a browser's checks: userVisibleOnly, a P-256
//     applicationServerKey, the permission granted). Headless Chromium has
//     no push service to subscribe with; the test's simulator stands in.
//   - "push": GETs URL and delivers its body, as the decrypted data, to the
//     service worker registered for scope Value (resolved against the
//     page) with CDP's ServiceWorker.deliverPushMessage; Text is the data.
//   - "notifications": waits until the service worker registered for scope
//     Value shows a notification; Text is JSON [{title, body, data}] of
//     registration.getNotifications().
//   - "axe": runs axe-core with tags wcag2a, wcag2aa, wcag21a, wcag21aa;
//     Violations lists what it found (the step itself stays OK).
//
// There is deliberately no "eval": scenarios describe what a person does, not
// page scripting.
type Step struct {
	Op       string `json:"op"`
	URL      string `json:"url,omitempty"`
	Selector string `json:"selector,omitempty"`
	Value    string `json:"value,omitempty"`
	Key      string `json:"key,omitempty"`
	Name     string `json:"name,omitempty"`
	FullPage bool   `json:"fullPage,omitempty"`
	// Optional steps may fail without stopping the scenario; a failing
	// non-optional step ends it (later steps are not run).
	Optional bool `json:"optional,omitempty"`
	// TimeoutMs overrides the 15 s per-step timeout, e.g. a short one for a
	// step that is expected to find nothing.
	TimeoutMs int `json:"timeoutMs,omitempty"`
}

// Viewport is the page size in CSS pixels; nil means 1280x800.
type Viewport struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// Scenario is a sequence of steps run in its own browser context (fresh
// cookies and storage, locale uk-UA).
type Scenario struct {
	Name     string    `json:"name"`
	Viewport *Viewport `json:"viewport,omitempty"`
	Steps    []Step    `json:"steps"`
	// Resume names an earlier scenario of the same Run: this one starts
	// with the cookies and storage that one ended with — the same browser
	// used again after another acted (say, a session ended elsewhere).
	Resume string `json:"resume,omitempty"`
}

// Violation is one failed axe-core rule; Nodes are CSS selectors of the
// offending elements.
type Violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// StepResult is the outcome of one executed step, in the order of
// Scenario.Steps. URL is the page URL after the step.
type StepResult struct {
	Op         string      `json:"op"`
	OK         bool        `json:"ok"`
	Optional   bool        `json:"optional,omitempty"`
	Error      string      `json:"error,omitempty"`
	Status     int         `json:"status,omitempty"`
	URL        string      `json:"url,omitempty"`
	Text       string      `json:"text,omitempty"`
	File       string      `json:"file,omitempty"`
	Violations []Violation `json:"violations,omitempty"`
}

// Result is the outcome of one scenario. Steps holds only the steps that ran:
// after a failing non-optional step the rest are missing.
type Result struct {
	Name  string       `json:"name"`
	Steps []StepResult `json:"steps"`
}

// Failed returns the steps that failed and were not optional.
func (r Result) Failed() []StepResult {
	var failed []StepResult
	for _, s := range r.Steps {
		if !s.OK && !s.Optional {
			failed = append(failed, s)
		}
	}
	return failed
}

type driverInput struct {
	ScreenshotDir string     `json:"screenshotDir"`
	Scenarios     []Scenario `json:"scenarios"`
}

type driverOutput struct {
	Results []Result `json:"results"`
}

var (
	installOnce sync.Once
	installErr  error
)

// Run starts Chromium once, runs all scenarios and returns one Result per
// scenario, in order. Screenshots go to <module root>/testdata/screenshots/.
//
// If the browser cannot be installed, the test fails (never skips: a page
// test that quietly does not run would let CI pass without it).
// A driver crash or unreadable output fails the test with the driver's
// stderr. Step failures do not: check them with [RequireOK] or [Result.Failed].
func Run(tb testing.TB, scenarios []Scenario) []Result {
	tb.Helper()

	root, err := moduleRoot()
	if err != nil {
		tb.Fatalf("browsertest: %v", err)
	}

	installOnce.Do(func() { installErr = install(root) })
	if installErr != nil {
		tb.Fatalf("browsertest: browser not available (make test-deps runs .ci/install-browser.sh): %v", installErr)
	}

	shots := filepath.Join(root, "testdata", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		tb.Fatalf("browsertest: %v", err)
	}
	in, err := json.Marshal(driverInput{ScreenshotDir: shots, Scenarios: scenarios})
	if err != nil {
		tb.Fatalf("browsertest: encode scenarios: %v", err)
	}

	ctx, cancel := context.WithTimeout(tb.Context(), RunTimeout)
	defer cancel()
	browserDir := filepath.Join(root, "testdata", "browser")
	cmd := exec.CommandContext(ctx, "node", filepath.Join(browserDir, "driver.mjs"))
	cmd.Dir = browserDir
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	// On timeout, interrupt first so Playwright closes Chromium, then kill.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	err = cmd.Run()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		tb.Fatalf("browsertest: driver failed after %s: %v\nstderr:\n%s",
			time.Since(start).Round(time.Millisecond), err, stderr.String())
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		tb.Logf("browsertest: driver stderr:\n%s", s)
	}

	var out driverOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		tb.Fatalf("browsertest: driver printed invalid JSON: %v\nstdout:\n%s\nstderr:\n%s",
			err, head(stdout.String(), 2000), stderr.String())
	}
	if len(out.Results) != len(scenarios) {
		tb.Fatalf("browsertest: driver returned %d results for %d scenarios\nstderr:\n%s",
			len(out.Results), len(scenarios), stderr.String())
	}
	tb.Logf("browsertest: %d scenarios in %s", len(scenarios), time.Since(start).Round(time.Millisecond))
	return out.Results
}

// RequireOK fails the test, listing every step that failed and was not
// optional.
func RequireOK(tb testing.TB, results []Result) {
	tb.Helper()
	var b strings.Builder
	for _, r := range results {
		for i, s := range r.Steps {
			if s.OK || s.Optional {
				continue
			}
			fmt.Fprintf(&b, "\n  scenario %q step %d (%s) at %s: %s", r.Name, i, s.Op, s.URL, s.Error)
		}
	}
	if b.Len() > 0 {
		tb.Fatalf("browsertest: failed steps:%s", b.String())
	}
}

// RequireNoViolations fails the test, listing every axe-core violation found
// by any "axe" step.
func RequireNoViolations(tb testing.TB, results []Result) {
	tb.Helper()
	var b strings.Builder
	for _, r := range results {
		for i, s := range r.Steps {
			for _, v := range s.Violations {
				fmt.Fprintf(&b, "\n  scenario %q step %d at %s: %s (%s): %s\n    nodes: %s",
					r.Name, i, s.URL, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
			}
		}
	}
	if b.Len() > 0 {
		tb.Fatalf("browsertest: accessibility violations (WCAG 2.1 AA):%s", b.String())
	}
}

// install runs .ci/install-browser.sh, the single place that knows how to get
// Chromium, fonts and the npm packages onto a machine.
func install(root string) error {
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	if _, err := exec.LookPath("bash"); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, ".ci", "install-browser.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf(".ci/install-browser.sh: %w\n%s", err, tail(out.String(), 3000))
	}
	if _, err := exec.LookPath("node"); err != nil {
		return err
	}
	return nil
}

// moduleRoot walks up from the working directory (the package directory
// under go test) to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
