# hotpot — every check CI runs is a target here; `make test` is the README's test command.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV ?= .venv
PY := $(VENV)/bin/python
CARGO ?= cargo

.PHONY: test fmt-check clippy rust-test py-dev py-test snippet-check schemathesis bench bench-py venv quickstart fmt clean-venv

## Everything CI runs: formatting, lints, every Rust and Python test, the wheel as users get it.
test: fmt-check clippy msrv-check tls-ring machete rust-test py-test console-test snippet-check schemathesis wheel-test package-check docs-check

## The developer's loop, a few minutes on a warm tree: formatting, clippy, the Rust tests and the
## Python tests on a dev-profile build of the extension (unoptimised: seconds to build, not the
## wheel profile's minutes of fat LTO). `make test` is what CI runs.
.PHONY: check help
check: PY_PROFILE := dev
check: fmt-check clippy rust-test py-test

## Lists the targets, each with the first sentence of the comment above it.
help:
	@awk '/^$$/ { d = "" } \
	/^## / { d = d (d == "" ? "" : " ") substr($$0, 4); next } \
	/^[a-z][a-zA-Z0-9_-]*:/ && !/^[^:]*:[^=]*=/ { \
		t = $$1; sub(/:.*/, "", t); s = d; i = index(s, ". "); if (i) s = substr(s, 1, i); \
		if (length(s) > 100) s = substr(s, 1, 97) "..."; printf "  %-15s %s\n", t, s; d = "" }' \
		$(firstword $(MAKEFILE_LIST))

## Checks the formatting of every crate (rustfmt).
fmt-check:
	$(CARGO) fmt --all -- --check

## Formats every crate (rustfmt).
fmt:
	$(CARGO) fmt --all

## Clippy on every crate and target, warnings as errors.
clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## The stated minimum Rust version (the workspace's `rust-version`, which the READMEs repeat) is
## true: no package of the locked dependency graph declares a newer one (tests/python/check_msrv.py;
## an older toolchain cannot be installed here to build with it).
.PHONY: msrv-check
msrv-check:
	python3 tests/python/check_msrv.py

## hotpot-client's other TLS backend, the `ring` feature (the default is `aws-lc`): it builds
## alone, without aws-lc in the graph, and the client's TLS tests pass on it.
.PHONY: tls-ring
tls-ring:
	$(CARGO) check --quiet -p hotpot-client --no-default-features --features ring
	@if $(CARGO) tree -p hotpot-client --no-default-features --features ring -e normal,build \
		--prefix none | grep aws-lc; then echo "aws-lc is still built with --features ring" >&2; exit 1; fi
	$(CARGO) test --quiet -p hotpot-client --features ring --lib --test client -- ring_tests tls::

## Every Rust test of the workspace: unit, integration, end-to-end and doctests.
rust-test:
	$(CARGO) test --workspace

## Unused dependencies in every Cargo.toml of the tree (the fuzz crate's too), found by
## cargo-machete with cargo metadata (exact crate names), pinned and built from crates.io
## into .tools/ on first use. A false finding goes to [package.metadata.cargo-machete] ignored,
## with the reason beside it.
MACHETE_VERSION := 0.9.2
MACHETE := .tools/cargo-machete-$(MACHETE_VERSION)/bin/cargo-machete
.PHONY: machete
machete: $(MACHETE)
	$(MACHETE) --with-metadata

$(MACHETE):
	$(CARGO) install --locked --quiet --root .tools/cargo-machete-$(MACHETE_VERSION) cargo-machete@$(MACHETE_VERSION)

## The documentation site (docs/: the guides, the reference, the specification) into target/book,
## with mdBook pinned and built from crates.io into .tools/ on first use (without its `serve` and
## `watch` features, which only `mdbook serve` needs: about 2 CPU-minutes to install).
MDBOOK_VERSION := 0.5.4
MDBOOK := .tools/mdbook-$(MDBOOK_VERSION)/bin/mdbook
.PHONY: docs docs-check
docs: $(MDBOOK)
	$(MDBOOK) build docs

$(MDBOOK):
	$(CARGO) install --locked --quiet --root .tools/mdbook-$(MDBOOK_VERSION) --no-default-features \
		--features search mdbook@$(MDBOOK_VERSION)

## The docs cannot drift (tests/docs, offline): the book's links and anchors, the other Markdown's
## links, no reference outside the repository, no unknown section, every Python and shell sample
## of the book and the READMEs run against the mock server binary, JSON samples parsed. The Rust
## samples are doctests of tests/lib.rs (`cargo test -p hotpot-e2e --doc`), run here except in
## `make test`, whose rust-test (`cargo test --workspace`) has run them already.
DOCS_DOCTESTS ?= yes
test: DOCS_DOCTESTS := no
docs-check: docs py-dev
	$(CARGO) build --quiet -p hotpot-cli -p hotpot-mock-server --features hotpot-mock-server/cli
	DOCS_BIN_DIR=$(abspath target/debug) $(PY) -m pytest -q -p no:cacheprovider tests/docs
	$(if $(filter yes,$(DOCS_DOCTESTS)),$(CARGO) test --quiet -p hotpot-e2e --doc)

## A project-local virtualenv with the Python tools pinned in requirements-dev.txt.
venv: $(VENV)/.ready

$(VENV)/.ready: requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## Builds the extension into the virtualenv, optimised as a wheel is (the benches and tests use it;
## `make check` builds it with PY_PROFILE=dev).
PY_PROFILE ?= wheel
py-dev: venv
	$(VENV)/bin/maturin develop --quiet --profile $(PY_PROFILE) -m hotpot-py/Cargo.toml

## The Python tests (package, examples, the cross-process secrets test in tests/python),
## ruff and mypy --strict on the package and the examples, and the stubs checked against
## the built module.
py-test: py-dev
	$(PY) -m pytest -q hotpot-py/tests examples/python tests/python --ignore=tests/python/console
	$(VENV)/bin/ruff check --config hotpot-py/pyproject.toml hotpot-py/python/hotpot
	$(PY) -m mypy --strict hotpot-py/python/hotpot examples/python
	$(PY) -m mypy.stubtest hotpot

## The mock's console in a real browser (tests/python/console): Playwright (requirements-dev.txt)
## drives Debian's chromium, which `make chromium` installs; with CI set they fail rather than skip
## when either is missing. A failing test leaves screenshots in target/console-screenshots/.
.PHONY: console-test chromium
console-test: py-dev chromium
	HOTPOT_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q tests/python/console

## Debian's chromium (Playwright cannot download its own browser here), installed with apt where
## $(CHROMIUM) is missing: as root (CI's fresh Debian 12 machines), or else through sudo.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

## The paste-in snippet needs nothing newer than Python 3.7 (Code by Zapier's): vermin fails on
## any violation. (Its tests, in py-test, run it under the oldest pyenv CPython >= 3.7.)
snippet-check: venv
	$(VENV)/bin/vermin -t=3.7- --no-tips --violations hotpot-py/snippet/hotpot_snippet.py

## Schemathesis against the mock server binary and hotpot-mock-server/openapi.json: every
## check, every phase (stateful through the OpenAPI links), 100 examples per operation.
schemathesis: venv
	$(PY) tests/python/run_schemathesis.py --max-examples 100

## The fuzz targets of hotpot-protocol/fuzz, one after another, each for FUZZ_SECONDS (default
## 5 min) with libFuzzer, starting from the committed seeds and regressions. Needs
## `cargo install cargo-fuzz`; RUSTC_BOOTSTRAP=1 lets the stable toolchain take libFuzzer's
## sanitizer flags. New inputs go to hotpot-protocol/fuzz/corpus, crashes to .../artifacts.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= lenient_json lenient_structured webhook_url occurred_at retry_after
.PHONY: fuzz fuzz-smoke bench-soak
fuzz:
	cd hotpot-protocol/fuzz && for t in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$t; \
		RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --debug-assertions $$t corpus/$$t \
			$$(find seeds regressions -mindepth 1 -maxdepth 1 -name $$t -type d) \
			-- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
	done

## The fuzz targets' properties without nightly or cargo-fuzz: committed inputs replayed and
## FUZZ_SMOKE_CASES random ones per target, plus the proptest properties, from fresh random
## seeds (printed). `make test` runs the same tests from fixed seeds, to give one verdict.
fuzz-smoke:
	seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); echo "PROPTEST_RNG_SEED=$$seed"; \
	HOTPOT_FUZZ_SEED=random PROPTEST_RNG_SEED=$$seed \
		$(CARGO) test -p hotpot-protocol --test protocol -- --nocapture fuzz_regressions:: properties::

## hotpot.Client against requests, import time, asyncio.gather; MomentHandler against a
## NullHandler; prints the ratios.
bench-py: py-dev
	$(PY) hotpot-py/bench/bench_send.py
	$(PY) hotpot-py/bench/bench_spool.py
	$(PY) hotpot-py/bench/bench_spool_processes.py
	$(PY) hotpot-py/bench/bench_logging.py
	$(PY) hotpot-py/bench/bench_page_wait.py

## Runs the quickstart example: a few moments to the embedded mock (or to HOTPOT_WEBHOOK_URL).
quickstart:
	$(CARGO) run --example quickstart

## The mock server binary under 16 concurrent clients for SOAK_SECONDS (default 180): requests,
## errors (must be 0) and RSS at start, at the event cap, middle and end (must be flat).
SOAK_SECONDS ?= 180
bench-soak:
	SOAK_SECONDS=$(SOAK_SECONDS) $(CARGO) bench -p hotpot-mock-server --bench soak

## Every benchmark; each prints its numbers beside the baseline measured in the same run
## (BENCHMARKS.md records them).
bench: bench-py bench-soak bench-cli bench-page
	$(CARGO) bench -p hotpot-protocol
	$(CARGO) bench -p hotpot-client --features tracing-layer
	$(CARGO) bench -p hotpot-mock-server
	$(CARGO) bench -p hotpot-e2e --bench emitter_into_mock
	$(CARGO) bench -p hotpot-e2e --bench spool_into_mock
	$(CARGO) bench -p hotpot-e2e --bench spool_processes

## Removes the virtualenv (the next target that needs it makes it again).
clean-venv:
	rm -rf $(VENV)

## What a release publishes, into dist/: one abi3 wheel for CPython 3.9+ tagged
## manylinux_2_17_x86_64 (alias manylinux2014), with the `wheel` profile (fat LTO), and the sdist.
## Built with `maturin --zig`: this machine's and CI's glibc is 2.36 (Debian 12), so a native link
## takes GLIBC_2.34 symbols, so maturin's own check can at best tag the wheel manylinux_2_34 (which
## pip refuses on AWS Lambda's glibc 2.26 and older distributions), and no manylinux container
## (Docker) runs here. `zig cc`
## (ziglang from PyPI, pinned in requirements-dev.txt) compiles the C parts (aws-lc-sys, mimalloc)
## and links against glibc 2.17's symbol versions.
.PHONY: wheel wheel-test release-check package package-check
DIST ?= dist
wheel: venv
	rm -rf $(DIST)
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/maturin build --locked --profile wheel \
		--zig --compatibility manylinux2014 -m hotpot-py/Cargo.toml --out $(DIST)
	$(VENV)/bin/maturin sdist -m hotpot-py/Cargo.toml --out $(DIST)
	@ls -l $(DIST)

## The wheel as a user's machine sees it (tests/python/check_dist.py): the tag, auditwheel show,
## no glibc symbol newer than 2.17 (objdump -T), then installed with pip --no-index into fresh
## virtualenvs (the oldest and newest CPython >= 3.9 here) with no cargo on PATH: import, version
## and User-Agent, hotpot.send to `python -m hotpot.testing`, the pytest fixture, the `hotpot`
## command. The sdist is built by pip with Rust and checked the same way, with the dev profile
## (SDIST_PROFILE): what it proves is that the sdist builds; fat LTO again would add minutes to CI
## (`make release-check` builds it with the wheel profile, as users' pip does).
SDIST_PROFILE ?= dev
wheel-test: wheel
	SDIST_PROFILE=$(SDIST_PROFILE) $(PY) tests/python/check_dist.py $(DIST)

## The crates that go to crates.io (every workspace member not marked `publish = false`),
## packaged and verified (each built from its .crate, with Cargo.lock); into target/package/.
PUBLISHED = $(shell $(CARGO) metadata --no-deps --format-version 1 | \
	python3 -c 'import json, sys; print(*(p["name"] for p in json.load(sys.stdin)["packages"] if p["publish"] != []))')
## Tests and benches stay out of the packages (cargo says "ignoring test ..." for each).
PACKAGE = $(CARGO) package --locked $(addprefix -p ,$(PUBLISHED))
## cargo verifies each crate against the others' packages through a local registry, and takes a
## registry crate as unchanged while its version is (0.1.0 until a release): a second run would
## build against what the first unpacked and compiled. So the unpacked copies (cargo's
## registry/src/-HASH/, the local registries' folders; nothing else of cargo's home) and our
## crates' fingerprints in target/debug are dropped first.
CLEAR_UNPACKED = rm -rf $${CARGO_HOME:-$$HOME/.cargo}/registry/src/-*/hotpot-* \
	target/debug/.fingerprint/hotpot-protocol-* target/debug/.fingerprint/hotpot-client-* \
	target/debug/.fingerprint/hotpot-mock-server-*
package:
	$(CLEAR_UNPACKED)
	$(PACKAGE)

## The same in `make test`, where the work tree may hold uncommitted changes.
package-check:
	$(CLEAR_UNPACKED)
	$(PACKAGE) --allow-dirty

## Everything a release publishes, built and checked as RELEASING.md says: the crates, the
## wheel, and the sdist built with the profile users get (SDIST_PROFILE empty: pyproject's).
release-check: package wheel
	SDIST_PROFILE= $(PY) tests/python/check_dist.py --release $(DIST)
## The man pages of `hotpot` and of each subcommand (clap_mangen), into target/man.
.PHONY: man bench-cli bench-page
man:
	$(CARGO) run --quiet -p hotpot-cli --example man -- target/man

## One `hotpot send` to the local mock as a whole process (the Rust binary, the console
## script) beside curl and the docs' requests.post script, interleaved; prints the ratios.
bench-cli: py-dev
	$(CARGO) build --quiet --release -p hotpot-cli --bin hotpot -p hotpot-mock-server --bin hotpot-mock-server
	$(PY) hotpot-cli/bench/bench_cli.py

## One `hotpot page` to the local mock as a whole process (the Rust binary, the console script)
## beside curl and a requests script doing the same POST /page/team, interleaved; prints the ratios.
bench-page: py-dev
	$(CARGO) build --quiet --release -p hotpot-cli --bin hotpot -p hotpot-mock-server --bin hotpot-mock-server
	$(PY) hotpot-cli/bench/bench_page.py
