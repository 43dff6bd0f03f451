# earshot: the two commands are `make demo` and `make test`.
#
# Both install what is missing first: libtorch comes from the PyPI
# torch==2.4.0 wheel in a local .venv (nothing is installed system-wide),
# Rust crates through cargo. A second run skips what is already there.

PYTHON ?= python3
VENV   := .venv
TORCH  := $(VENV)/.torch-2.4.0
CARGO  ?= cargo

.PHONY: demo test setup build bench clean help

help:
	@echo "make demo   - install what is missing, build (release) and run the demo"
	@echo "make test   - fmt check, clippy and the whole test suite"
	@echo "make bench  - store, watchlist and alert-accuracy benchmarks (figures in the output)"

# libtorch for tch/rust-bert; .venv/torch links to the wheel's package and
# is what .cargo/config.toml points LIBTORCH at.
setup: $(TORCH)

$(TORCH):
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check --quiet torch==2.4.0
	ln -sfn "$$($(VENV)/bin/python -c 'import os, torch; print(os.path.dirname(torch.__file__))')" $(VENV)/torch
	touch $@

build: setup
	$(CARGO) build --release --locked

demo: build
	./target/release/earshot demo

test: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	$(CARGO) test --locked

bench: setup
	$(CARGO) bench --locked --bench store
	$(CARGO) bench --locked --bench watch
	$(CARGO) bench --locked --bench alert

clean:
	$(CARGO) clean
	rm -rf $(VENV)
