// Command hromada is the one binary of the Hromada platform: the portal and
// its workers, the migrations, and the operator's tenant commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"hromada/apperr"
	"hromada/web"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // the command ran and failed
	exitUsage  = 2 // the command line is wrong
	exitConfig = 3 // the configuration is wrong
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

// gcPercent is the garbage collector's target unless GOGC says otherwise:
// a result document allocates about 11 MB while it is rendered, and with
// Go's default of 100 the collector took enough CPU to cap automatic mode
// at 38 results/s on the 2-core machine, against 48 with 400 (docs/perf.md);
// the heap may grow to five times what is live, a few hundred MB here.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, e *env, args []string) error
}

// env is what a command runs with.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	cfg            *Config
	fs             *flag.FlagSet
}

var commands []command

func init() {
	commands = []command{
		{"serve", "serve [--demo] [flags]", "run the web portal and the background workers", cmdServe},
		{"worker", "worker [flags]", "run the background workers only (and /healthz, /readyz, /metrics)", cmdWorker},
		{"migrate", "migrate [flags]", "apply the database migrations (as the owner role)", cmdMigrate},
		{"tenant", "tenant create|list|suspend|resume …", "manage tenants (cities) as the platform operator", cmdTenant},
		{"demo", "demo [flags]", "load the demo cities Київ and Львів (idempotent)", cmdDemo},
		{"audit", "audit verify --tenant SLUG", "verify a tenant's hash-chained audit log; names the first broken link", cmdAudit},
		{"catalog", "catalog import --tenant SLUG [--dry-run] FILE", "import a register of services (services.json or .csv), or see what it would do", cmdCatalog},
		{"seal", "seal rotate|request|install --city SLUG --provider CODE [CERT.pem]", "a provider's e-seal: its key made in the HSM and a PKCS#10 request, the issued certificate installed; rotate issues one from the development CA (dev only)", cmdSeal},
		{"trust", "trust import FILE", "import the national Trusted List (ETSI TS 119 612 XML) after verifying its seal", cmdTrust},
		{"db", "db url [flags]", "print the URL of the running embedded PostgreSQL cluster", cmdDB},
		{"version", "version", "print the version", func(_ context.Context, e *env, _ []string) error {
			fmt.Fprintln(e.stdout, "hromada", version)
			return nil
		}},
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `hromada — e-services portals for city councils

Usage:
  hromada <command> [arguments] [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "hromada <command> --help" for a command's arguments.

Configuration (environment variables; each has a flag of the same name):
`)
	printOptions(w)
	fmt.Fprint(w, `
Exit codes: 0 done, 1 failed, 2 wrong command line, 3 wrong configuration.
`)
}

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == args[0] {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "hromada: unknown command %q; run \"hromada --help\" for the list\n", args[0])
		return exitUsage
	}
	fs := flag.NewFlagSet("hromada "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &env{stdout: stdout, stderr: stderr, getenv: getenv, fs: fs}
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return report(stderr, err, getenv)
	}
	e.cfg = cfg
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: hromada %s\n\n%s\n\nFlags:\n", cmd.usage, cmd.summary)
		fs.PrintDefaults()
	}
	if err := cmd.run(ctx, e, args[1:]); err != nil {
		return report(stderr, err, getenv)
	}
	return exitOK
}

// parse parses a command's flags and validates the configuration.
func (e *env) parse(args []string) ([]string, error) {
	if err := e.fs.Parse(args); err != nil {
		return nil, usageError{err}
	}
	if err := e.cfg.validate(); err != nil {
		return nil, err
	}
	return e.fs.Args(), nil
}

// usageError is a wrong command line: exit code 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// report writes err in plain words and returns its exit code.
func report(w io.Writer, err error, getenv func(string) string) int {
	var ue usageError
	var ce configError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(w, "hromada:", ue.error)
		}
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintln(w, "hromada: configuration:", ce.error)
		return exitConfig
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code != apperr.Internal {
		if l, lerr := web.NewLocalizer(cliLang(getenv)); lerr == nil {
			fmt.Fprintln(w, "hromada:", l.Message(ae.Key, ae.Args))
			if ae.Code == apperr.Invalid {
				return exitUsage
			}
			return exitFailed
		}
	}
	fmt.Fprintln(w, "hromada:", err)
	return exitFailed
}

// cliLang is Ukrainian unless the user chose English (HROMADA_LANG, or an
// English locale).
func cliLang(getenv func(string) string) string {
	for _, v := range []string{getenv("HROMADA_LANG"), getenv("LC_ALL"), getenv("LANG")} {
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "en") {
			return "en"
		}
		return "uk"
	}
	return "uk"
}
