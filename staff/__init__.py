"""Staff tooling: what clinic staff and developers run, never loaded by the servers.

* ``faq``: reading and checking the FAQ files, the quality gate, publishing to the FAQ store;
* ``train`` / ``retrain``: training the intent model, and ``make retrain``'s least-work path;
* ``evaluation``, ``seeded_rasa``, ``short_messages``: ``make eval`` and the held-out figures;
* ``review``: ``make review`` (what visitors asked that the assistant did not answer well);
* ``retention``: ``make purge`` / ``make forget``.

Imports run one way: ``staff`` uses ``clinic`` (the runtime) and ``actions``; nothing in
``clinic`` or ``actions`` imports ``staff``.
"""
