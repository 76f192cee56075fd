"""Staff-side FAQ tooling: the files in ``faq/`` -> checks -> the quality gate -> the store.

* ``text``: the file's fields and rules, text normalisation, a ``Problem`` found in a file;
* ``load``: reads the files, keeping line numbers so every message can point at a line;
* ``check``: the checks, with messages a non-programmer understands;
* ``gate``: what a new version would change (leave-one-out, therapy questions, answers);
* ``publish``: ``make faq-check`` / ``retrain`` / ``rollback`` / ``faq-export`` / ``faq-history``;
* ``quality``: the held-out FAQ figure of ``make eval``;
* ``predict``: loading a trained model in a staff command.
"""
