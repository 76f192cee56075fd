"""``make cluster``: the production topology on one machine, built from Rasa's scale-out parts.

HAProxy (public port ``CLUSTER_PORT``, REST + socket.io + widget files only) in front of
``REPLICAS`` Rasa servers that share a PostgreSQL tracker store, a Redis lock store, a
RabbitMQ event broker and a model server; ``ACTION_SERVERS`` action servers behind the same
HAProxy's private side; the booking worker, the demo page and the staff console. Modules:

* ``settings``: the ``CLUSTER_*`` environment variables;
* ``topology``: every process with its role, port, health check; the endpoints file;
* ``haproxy`` (+ ``haproxy.cfg.tmpl``): the load balancer's configuration;
* ``model_server``: serves the model to the replicas (Rasa's ``models:`` endpoint);
* ``locks``: Rasa's Redis lock store with an in-process fallback while Redis is down;
* ``services``: the cluster's own PostgreSQL database, reachability notes;
* ``state``: the state file read by ``status`` and ``down`` from any shell;
* ``supervisor``: starts, restarts (``clinic.launcher.supervise``) and stops everything;
* ``cli``: ``python -m clinic.cluster up|status|down``.

docs/reliability.md says what a visitor sees when a part fails, with measured figures.
"""
