"""Server-side plumbing and shared, Rasa-independent logic for the clinic assistant.

- ``clinic.settings``: environment variables (ports, database, tokens, origins).
- ``clinic.config``: the clinic's own facts from ``clinic.yml`` (placeholders marked).
- ``clinic.channels``: the socket.io input channel used by the widget.
- ``clinic.stores``: lock store chosen from settings.
- ``clinic.nlp``: builds the project's spaCy pipeline from ``data/nlu/vocabulary.yml``.
- ``clinic.launcher``: ``make run`` -- starts and supervises all servers.
"""
