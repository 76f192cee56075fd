"""Where the held-out sets are: visitor messages written apart from the training data and the
FAQ files, never trained on (tests/heldout/README.md). Paths only, so that every staff tool
can name them without importing the tool that measures them."""

from __future__ import annotations

from clinic.settings import PROJECT_ROOT

HELDOUT_DIR = PROJECT_ROOT / "tests" / "heldout"
HELDOUT_FILE = HELDOUT_DIR / "questions.yml"
# Every batch of therapy-topic questions; the accuracy is reported per batch and overall.
HELDOUT_FILES = (HELDOUT_FILE, HELDOUT_DIR / "questions_batch2.yml")
# Held-out FAQ questions (labelled with the FAQ that must answer): make eval's FAQ figure.
FAQ_HELDOUT_FILE = HELDOUT_DIR / "faq_questions.yml"
# Every batch of held-out FAQ questions (batch 3 is the one no FAQ wording was written after
# reading: docs/nlu-quality.md, "Staff FAQs"); make eval reports each and all together.
FAQ_HELDOUT_FILES = (FAQ_HELDOUT_FILE, HELDOUT_DIR / "faq_questions_batch2.yml",
                     HELDOUT_DIR / "faq_questions_batch3.yml")
# Spanish messages labelled with a topic and an NLU intent: measured apart (make eval's
# "Spanish held-out" table, tests/server/test_heldout.py), never part of HELDOUT_FILES.
SPANISH_HELDOUT_FILE = HELDOUT_DIR / "spanish.yml"
