# Two commands: `make lab` opens the course, `make test` passes the tests.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test install browser-deps hub-deps hub hub-stop release clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Root (containers, some JupyterHub images) needs --allow-root; LAB_ARGS passes anything else.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: install
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG) $(LAB_ARGS)

test: install browser-deps hub-deps
	$(PY) -m pytest -n 2 --dist loadgroup --durations=10

# The browser tests (tests/browser) drive Debian's chromium through Playwright; nothing downloads a
# browser. Install it where apt-get and root (or password-less sudo) allow; otherwise those tests are
# skipped and pytest's summary says why. CHROMIUM=/path/to/chromium uses another binary.
browser-deps:
	@if [ -n "$$CHROMIUM" ] || command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "note: no apt-get here: the browser tests will be skipped (install chromium to run them)"; exit 0; fi; \
	SUDO=""; if [ "$$(id -u)" != 0 ]; then \
	  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else \
	    echo "note: installing chromium needs root: the browser tests will be skipped (sudo apt-get install chromium)"; exit 0; fi; fi; \
	echo "installing Debian's chromium for the browser tests (apt-get install chromium)"; \
	$$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q chromium >/dev/null 2>&1; } || \
	  echo "note: apt-get could not install chromium: the browser tests will be skipped"

# The demo class on JupyterHub (docs/hub.md): `make hub` stands it up on 127.0.0.1:8000 with real
# Unix accounts (root only), `make hub-stop` removes all of it. STUDENTS=N (default 5).
STUDENTS ?= 5
classroom/node_modules/.installed: classroom/package.json classroom/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then echo "note: no npm here: the hub tests will be skipped (install Node.js 20 and npm)"; \
	elif npm ci --prefix classroom --no-audit --no-fund --loglevel=error; then touch $@; \
	else echo "note: npm ci failed (no registry?): the hub tests will be skipped"; fi

hub-deps: classroom/node_modules/.installed

hub: install hub-deps
	$(PY) -m classroom up --students $(STUDENTS)

hub-stop:
	$(PY) -m classroom down

release: install
	$(PY) -m autograder release

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info .cache/grading classroom/node_modules
