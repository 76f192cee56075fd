"""Staff-side FAQ tooling: the files in ``faq/`` -> checks -> the quality gate -> the store.

* ``load``: reads the files, keeping line numbers so every message can point at a line;
* ``check``: ``make faq-check``, the checks with messages a non-programmer understands;
* ``predict``: asking a trained model (or the running server) what it makes of a text.
"""
