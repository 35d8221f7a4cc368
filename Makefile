# Two entry points: `make demo` runs the main job on the local emulator, `make test` runs every
# check that CI runs. Both install what they need first.

PYTHON ?= python3
CARGO ?= cargo
STAMP := target/.stamps

.PHONY: demo test setup lint rust-test python-test feature-check build-release clean
.PHONY: c-deps c-test header header-check python-build python-bindings-test bench

demo: setup build-release
	scripts/demo.sh

test: setup c-deps lint feature-check header-check rust-test python-test python-bindings-test

# Python packages for the emulator and the baseline script, pinned; reinstalled only when the
# pins change.
setup: $(STAMP)/python-deps

$(STAMP)/python-deps: tests/emulator/requirements.txt
	@mkdir -p $(STAMP)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r tests/emulator/requirements.txt
	@touch $@

build-release:
	$(CARGO) build --release -p rootward-cli

# Throughput and memory against an in-process fake AWS, then the reference script and rootward
# side by side on the emulator: one `name=value` line per figure (benches/RESULTS.md explains
# them). The release build comes first and is not timed.
bench: setup
	$(CARGO) build --release -p rootward-cli -p rootward-benches
	target/release/rootward-bench all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p rootward --all-targets --all-features -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p rootward --no-deps --all-features

# The default build must not compile the S3 or SQS SDK crates.
feature-check:
	@if $(CARGO) tree -p rootward -e normal --prefix none | grep -E '^aws-sdk-(s3|sqs) '; then \
		echo "error: the default rootward build pulls in an S3 or SQS SDK crate"; exit 1; \
	else echo "feature-check: the default build has no S3 or SQS SDK crate"; fi
	@$(CARGO) tree -p rootward -e normal --prefix none --features s3,sqs | grep -qE '^aws-sdk-s3 ' \
		|| { echo "error: --features s3,sqs does not pull in aws-sdk-s3"; exit 1; }

rust-test:
	$(CARGO) build -p rootward-cli --bins
	$(CARGO) build --workspace --examples
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

python-test:
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/emulator

# valgrind, which the C ABI tests in rust-test need; installed only when missing.
c-deps:
	@command -v valgrind >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends valgrind; }

# The C test program (under valgrind), the C example and the README's C example, alone;
# rust-test runs them too, as part of `cargo test --workspace`.
c-test: setup c-deps
	$(CARGO) test -p rootward-ffi --test c_programs

# The committed C header must be what cbindgen generates; `make header` rewrites it.
header-check:
	$(CARGO) test -p rootward-ffi --test header

header:
	ROOTWARD_UPDATE_HEADER=1 $(CARGO) test -p rootward-ffi --test header header_matches_generated

# Test tools of the Python bindings, pinned; reinstalled only when the pins change.
$(STAMP)/python-binding-deps: python/requirements-test.txt
	@mkdir -p $(STAMP)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r python/requirements-test.txt
	@touch $@

# Builds the extension (dev profile, in the workspace's target folder) and installs the
# package into $(PYTHON), as `pip install ./python` does for users.
python-build: $(STAMP)/python-binding-deps
	MATURIN_PEP517_ARGS="--profile dev" $(PYTHON) -m pip install --quiet --disable-pip-version-check \
		--no-build-isolation --no-deps --force-reinstall ./python

# The bindings' pytest suite against the emulator, with mypy --strict and stubtest.
python-bindings-test: setup python-build
	$(PYTHON) -m pytest -q python/tests

clean:
	rm -rf target/demo $(STAMP)
