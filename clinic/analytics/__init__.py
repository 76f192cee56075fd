"""Analytics: Rasa's event broker feeds our consumer, which keeps figures in ``analytics_*``.

* ``broker``: the event broker named in endpoints.yml (``EVENT_BROKER_URL`` picks RabbitMQ or
  the embedded SQLite queue); publishing never fails or slows a conversation;
* ``queue``: the embedded queue's file and the RabbitMQ URL (shared with the consumer);
* ``translate``: pure event -> row translation (turns, booking funnel steps);
* ``text``: what is kept of message texts (personal data removed);
* ``schema``: the ``analytics_*`` tables and their engine;
* ``upgrade``: brings tables of an earlier version up to date (new columns, filled in);
* ``rollup``: the per-day counters the dashboard reads, kept equal to a recount of the turns;
* ``writer``: applies a batch of events in one transaction, never counting one twice;
* ``sources``: reading events from the embedded queue or from RabbitMQ;
* ``retention``: what ``make purge`` / ``make forget`` do to these tables;
* ``consumer``: ``python -m clinic.analytics.consumer``, supervised by the launcher.

The staff side (figures, ``make analytics``) lives in ``staff/analytics/``. docs/analytics.md
says what is recorded and what is not.
"""
