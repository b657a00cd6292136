# Hromada — the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/hromada
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
export GOFLAGS := -buildvcs=false

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z/-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install the PostgreSQL server binaries if missing (Debian)
	@.ci/deps.sh

.PHONY: test-deps
test-deps: deps ## also build MinIO and install Chromium + playwright-core for the tests
	@.ci/install-minio.sh >/dev/null
	@.ci/install-browser.sh

.PHONY: build
build: ## build bin/hromada
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/hromada

.PHONY: run
run: deps build ## start the portal with the embedded default and the demo cities
	./$(BIN) serve --demo

.PHONY: test
test: test-deps ## run every test (real PostgreSQL, MinIO and Chromium)
	$(GO) test -count=1 -timeout 12m ./...

.PHONY: test/race
test/race: test-deps ## run every test with the race detector
	$(GO) test -count=1 -race -timeout 20m ./...

.PHONY: bench
bench: deps ## measure: RLS, catalog search, signed submission, automatic mode, a test's database (see docs/perf.md)
	$(GO) run ./cmd/hromada-bench
	$(GO) run ./cmd/hromada-bench search
	$(GO) run ./cmd/hromada-bench applications
	$(GO) run ./cmd/hromada-bench pipeline
	$(GO) run ./cmd/hromada-bench pipeline -rate 30
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 50x ./tenant/tenanttest/

.PHONY: lint
lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

.PHONY: db/reset
db/reset: ## delete the embedded cluster and local documents (.hromada)
	rm -rf .hromada

.PHONY: clean
clean: ## remove build output and screenshots
	rm -rf bin testdata/screenshots
