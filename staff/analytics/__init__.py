"""Analytics for staff: the figures of the ``analytics_*`` tables.

* ``queries``: one function per figure (engine + ``Period`` in, numbers out);
* ``transcripts``: the conversations behind a topic or the fallbacks, redacted;
* ``report``: ``summary`` (``make analytics``) and ``dashboard`` (the console's page);
* ``languages``: how staff tools name a message's language (English, Español, —) and
  filter by it (also used by the review inbox, ``staff/review.py``);
* ``python -m staff.analytics``: the command line of ``make analytics``.

The tables are written by ``clinic.analytics.consumer`` (docs/analytics.md).
"""
