"""The staff console: a small web application for clinic staff (``make run`` starts it on
http://localhost:8090/; docs/console.md).

Staff tooling like the rest of ``staff/``: never imported by ``clinic/`` or ``actions/``.
Layout: ``config`` (environment), ``db`` (tables, in the FAQ store's database), ``accounts``,
``sessions``, ``audit``, ``ratelimit`` (access), ``drafts`` (the working copy of the FAQs),
``forms`` and ``buttons`` (pure helpers for the FAQ form), ``publishing`` (publish, roll
back, try it), ``progress`` and ``jobs`` (a publish's steps, run in the background), ``app``
(the Sanic application, who may do what) and one module per kind of page under ``views/``.
"""
