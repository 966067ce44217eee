# devenv: build, test (unit + end-to-end on a real Docker engine), install, demo, bench.
PREFIX ?= /usr/local
SWIFT ?= swift
BIN := .build/debug/devenv

.PHONY: all build test unit e2e testbed lint dist install uninstall demo demo-down bench clean

all: build

build:
	$(SWIFT) build

## test: lint, set the test bed up when missing, then run unit and end-to-end tests while
## `make dist` builds the release files beside them, then install those on a simulated user's
## machine (Tests/install/with-dist.sh; DEVENV_SKIP_DIST=1 leaves the release part out).
test: lint testbed
	$(SWIFT) build --build-tests
	SWIFT='$(SWIFT)' bash Tests/install/with-dist.sh $(SWIFT) test --skip-build

unit:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter DevenvKitTests

e2e: testbed
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter EndToEndTests

## testbed: Docker engine, compose v2 and stand-in images, moto and the AWS CLI (idempotent; see Tests/testbed/).
## moto.sh runs beside testbed.sh, not from it: testbed.sh's own text stamps the stand-in images.
testbed:
	bash Tests/testbed/testbed.sh
	bash Tests/testbed/moto.sh
	bash Tests/testbed/mcp.sh >/dev/null   # the MCP Python SDK in a cached venv, for MCPTests

## lint: actionlint on .github/workflows, ruby -c on the Homebrew formula, sh -n/dash -n and
## shellcheck on the packaging scripts, no folder cycles (packaging/folder-cycles.py --check);
## installs what is missing (packaging/lint.sh).
lint:
	bash packaging/lint.sh

## dist: the release files for this platform in dist/: devenv-VERSION-TARGET.tar.gz (stripped binary,
## Swift runtime and the kinds compiled in, completions, man page, LICENSE), its .sha256, the .deb and
## install.sh (packaging/dist.sh). The release build has its own scratch path, DIST_SCRATCH, and
## runs under NICE (empty: full priority).
DIST_SCRATCH ?= .build-release
NICE ?= nice -n 10
dist:
	SWIFT='$(SWIFT)' SCRATCH='$(DIST_SCRATCH)' NICE='$(NICE)' bash packaging/dist.sh

## install: the binary (the kinds are compiled in) and its shell completions under $(PREFIX);
## a share/devenv/templates folder from an earlier install is removed (nothing reads it).
# Release builds link the Swift runtime and Foundation statically: a larger binary (65 MB
# stripped), but every command starts in ~8 ms instead of ~12 ms (no dynamic symbol binding).
# The libcurl stubs, ICU's data and the other link flags: packaging/link-flags.sh says why.
RELEASE_FLAGS ?= -c release --product devenv --static-swift-stdlib $$(bash packaging/link-flags.sh .build)

install:
	$(SWIFT) build $(RELEASE_FLAGS)
	install -d $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 .build/release/devenv $(DESTDIR)$(PREFIX)/bin/devenv
	rm -rf $(DESTDIR)$(PREFIX)/share/devenv/templates
	rmdir $(DESTDIR)$(PREFIX)/share/devenv 2>/dev/null || true
	.build/release/devenv --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/devenv
	.build/release/devenv --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_devenv
	.build/release/devenv --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/devenv.fish
	@echo "installed $(DESTDIR)$(PREFIX)/bin/devenv"

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/devenv $(DESTDIR)$(PREFIX)/share/devenv \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/devenv \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_devenv \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/devenv.fish

## demo: bring the example project's stack up and print its URLs.
demo: testbed build
	cd examples/demo && ../../$(BIN) up

demo-down: build
	cd examples/demo && ../../$(BIN) down --volumes --yes

## bench: release build, then each case against the plain tool (Benchmarks/results.md, .json).
## BENCH_CASES="warm-up status" runs some cases only (results go to Benchmarks/results/tmp/);
## BENCH_QUICK=1 takes few runs. BENCH_CASES=branch: the four branch cases (branch-1g, branch-1g-xfs,
## branch-5g, branch-5g-xfs); BENCH_BRANCH_MB / BENCH_BRANCH_BIG_MB shrink their 1 GB / 5 GB parents.
## BENCH_SCRATCH is the release build's scratch path.
BENCH_SCRATCH ?= .build
bench: testbed
	$(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(BENCH_SCRATCH)
	bash Benchmarks/run.sh $(BENCH_SCRATCH)/release/devenv $(BENCH_CASES)

clean:
	rm -rf .build dist
