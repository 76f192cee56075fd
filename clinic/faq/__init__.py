"""Staff-edited FAQs: one small YAML file per question in ``faq/``.

* ``model``: what an FAQ is (``Faq``, ``Phrasing``, ``Button``) and a ``Problem`` found in one;
* ``load``: reads the files, keeping line numbers so every message can point at a line;
* ``check``: ``make faq-check``, the checks with messages a non-programmer understands;
* ``generate``: writes ``data/generated/faq.yml`` (Rasa retrieval-intent examples and
  ``utter_faq/<name>`` responses) before training.

Staff never edit the domain or the pipeline: see docs/staff-guide.md.
"""
