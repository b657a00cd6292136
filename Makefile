# Hromada — the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/hromada
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
export GOFLAGS := -buildvcs=false

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z/-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-17s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install what is missing of Debian's PostgreSQL server, hunspell-uk, poppler-utils, openssl, xmlsec1 and softhsm2
	@.ci/deps.sh

.PHONY: test-deps
test-deps: deps ## also build MinIO, Mailpit and helm and install Chromium + playwright-core for the tests
	@.ci/install-minio.sh >/dev/null
	@.ci/install-mailpit.sh >/dev/null
	@.ci/install-browser.sh
	@.ci/install-helm.sh >/dev/null

.PHONY: build
build: ## build bin/hromada
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/hromada

# The image the chart (charts/hromada) pulls by default: its repository at the
# chart's appVersion (charts/hromada/charttest checks the two agree).
CHART_APP_VERSION := $(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' charts/hromada/Chart.yaml)
IMAGE ?= ghcr.io/hromada/hromada:$(CHART_APP_VERSION)

.PHONY: image
image: ## build the container image $(IMAGE) (Dockerfile: distroless, non-root; needs a container engine)
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

.PHONY: run
run: deps build ## start the portal with the embedded default and the demo cities
	./$(BIN) serve --demo

# -timeout is a package's bound, not the goal: cmd/hromada, with every
# browser test, is the longest — about 10–12 minutes on an idle two-core
# machine, 19–20 while four other engineers' builds and tests shared the
# cores (load 10–20) — so the bound leaves room for a loaded machine
# rather than failing a run that is only slow.
.PHONY: test
test: test-deps ## run every test (real PostgreSQL, MinIO and Chromium)
	$(GO) test -count=1 -timeout 40m ./...
	@$(MAKE) --no-print-directory test/fuzz-brief

# The fuzz targets (docs/fuzzing.md); .ci/fuzz.sh finds them. Plain go test
# above already replays their seed corpora (testdata/fuzz) as tests.
FUZZTIME ?= 2m

.PHONY: test/fuzz-brief
test/fuzz-brief: ## run each fuzz target for 3 s: 0 crashes, 0 hangs
	@FUZZTIME=3s GO="$(GO)" .ci/fuzz.sh

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (default 2m); a crasher lands in testdata/fuzz
	@FUZZTIME=$(FUZZTIME) GO="$(GO)" .ci/fuzz.sh

.PHONY: test/race
test/race: test-deps ## run every test with the race detector
	$(GO) test -count=1 -race -timeout 20m ./...

.PHONY: bench
bench: deps ## measure: RLS, catalog search, signed submission, automatic mode, booking the last slots, a test's database, urgent notices beside a bulk send (see docs/perf.md)
	$(GO) run ./cmd/hromada-bench
	$(GO) run ./cmd/hromada-bench search
	$(GO) run ./cmd/hromada-bench applications
	$(GO) run ./cmd/hromada-bench applications -tenants 1 -many 999 -clients 8 -rounds 3
	$(GO) run ./cmd/hromada-bench pipeline -backlog -rate 200 -seconds 3
	$(GO) run ./cmd/hromada-bench pipeline -rate 50 -seconds 6
	$(GO) run ./cmd/hromada-bench centres
	$(GO) run ./cmd/hromada-bench centres-month
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 50x ./tenant/tenanttest/
	$(GO) run ./cmd/hromada-bench notices

# Where `go install` puts the linters that .ci/install-lint.sh pins.
LINTBIN = $(or $(shell $(GO) env GOBIN),$(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin)
LINT_STEPS := lint/fmt lint/vet lint/tidy lint/imports lint/staticcheck lint/golangci lint/deadcode

.PHONY: lint lint/tools $(LINT_STEPS)
lint: ## every lint/ step below; each runs even when another fails, and lint fails if any did
	@$(MAKE) --no-print-directory -k $(LINT_STEPS)

lint/tools: ## install the pinned linters if missing (.ci/install-lint.sh; the first build takes minutes)
	@.ci/install-lint.sh

lint/fmt: ## gofmt: no file it would change
	@echo "gofmt -l (the tracked .go files)"
	@files="$$(gofmt -l $$(git ls-files '*.go'))"; test -z "$$files" || { echo "gofmt -w would change:"; echo "$$files"; exit 1; }

lint/vet: ## go vet
	$(GO) vet ./...

lint/tidy: ## go.mod and go.sum are what go mod tidy makes them
	$(GO) mod tidy -diff

lint/imports: lint/tools ## goimports -local hromada: no file it would change
	@echo "goimports -local hromada -l (the tracked .go files)"
	@files="$$($(LINTBIN)/goimports -local hromada -l $$(git ls-files '*.go'))"; test -z "$$files" || { echo "goimports -local hromada -w would change:"; echo "$$files"; exit 1; }

lint/staticcheck: lint/tools ## staticcheck (its default checks, unused code included)
	$(LINTBIN)/staticcheck ./...

lint/golangci: lint/tools ## golangci-lint with .golangci.yml: depguard (test doubles out of production), errcheck, ineffassign, misspell
	$(LINTBIN)/golangci-lint run ./...

lint/deadcode: lint/tools ## deadcode -test: no function that neither a main nor a test reaches
	@echo "$(LINTBIN)/deadcode -test ./..."
	@out="$$($(LINTBIN)/deadcode -test ./...)" || exit 1; test -z "$$out" || { echo "unreachable from every main and test (deadcode -test):"; echo "$$out"; exit 1; }

.PHONY: vendor/check
vendor/check: ## the vendored Leaflet (web/static/vendor/leaflet) is byte for byte the pinned npm release (.ci/check-leaflet.sh)
	@.ci/check-leaflet.sh

.PHONY: db/reset
db/reset: ## delete the embedded cluster and local documents (.hromada)
	rm -rf .hromada

.PHONY: clean
clean: ## remove build output and screenshots
	rm -rf bin testdata/screenshots

# The soak of docs/reliability.md: the signed submission with automatic
# mode behind it for SOAK, the server's RSS sampled every 10 s. `make test`
# runs the same test for a minute.
SOAK ?= 10m
.PHONY: soak
soak: test-deps ## the signed submission for SOAK (default 10m): no error, the server's memory flat (docs/reliability.md)
	$(GO) test -count=1 -timeout 90m -run '^TestSoak$$' -v ./resilience/ -soak $(SOAK) $(if $(SOAK_OUT),-soak.out $(SOAK_OUT))
