# Two entry points: `make demo` runs the main job on the local emulator, `make test` runs every
# check that CI runs. Both install what they need first.

PYTHON ?= python3
CARGO ?= cargo
STAMP := target/.stamps

.PHONY: demo test setup lint rust-test python-test feature-check build-release clean

demo: setup build-release
	scripts/demo.sh

test: setup lint feature-check rust-test python-test

# Python packages for the emulator and the baseline script, pinned; reinstalled only when the
# pins change.
setup: $(STAMP)/python-deps

$(STAMP)/python-deps: tests/emulator/requirements.txt
	@mkdir -p $(STAMP)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r tests/emulator/requirements.txt
	@touch $@

build-release:
	$(CARGO) build --release -p rootward-cli

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

clean:
	rm -rf target/demo $(STAMP)
