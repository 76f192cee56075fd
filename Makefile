# Two commands for a new user: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)
SPACY   := models/spacy-clinic/meta.json
MODEL   := models/clinic.tar.gz
# Files generated from staff-edited sources before training (see `faq` below).
GENERATED :=
TRAIN_INPUTS = config.yml $(shell find data domain -name '*.yml' -not -path 'data/generated/*') \
               $(wildcard clinic/nlu/*.py clinic/safety/*.py) $(GENERATED)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

.PHONY: help setup run shell test validate train eval bench browser lock clean

help:  ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP) $(SPACY)  ## create .venv and the spaCy pipeline (done automatically by run/test)

$(STAMP): requirements.lock scripts/setup-venv.sh
	@scripts/setup-venv.sh $@

$(SPACY): $(STAMP) data/nlu/vocabulary.yml clinic/nlp/build_spacy.py
	$(PY) -m clinic.nlp.build_spacy

$(MODEL): $(STAMP) $(SPACY) $(TRAIN_INPUTS)
	$(PY) -m clinic.train

train: $(MODEL)  ## train the assistant if data or config changed

run: $(MODEL)  ## set up, train if needed, start Rasa (5005), actions (5055), demo page (8080)
	@$(PY) -m clinic.launcher

shell: $(MODEL)  ## chat with the assistant in this terminal
	@$(PY) -m clinic.launcher --shell

validate: $(STAMP) $(SPACY) $(GENERATED)  ## rasa data validate --fail-on-warnings
	$(VENV)/bin/rasa data validate --domain domain --data data --config config.yml --fail-on-warnings

browser:  ## install Debian's chromium for the browser tests when it is missing
	@scripts/ensure-chromium.sh

test: $(MODEL) browser  ## set up, train if needed, run the whole test suite
	$(PY) -m pytest

bench: $(MODEL)  ## measure latency, throughput, memory, startup -> docs/benchmarks.md
	$(PY) -m bench.run --faq-cycle

lock: $(STAMP)  ## refresh requirements.lock from the current .venv
	$(PY) -m pip freeze --exclude-editable | grep -vE '^(pip|setuptools|wheel)==' > requirements.lock

clean:  ## remove trained models and runtime data (keeps .venv)
	rm -rf models var results
