"""Booking: the conversation (form.py, submit.py), the durable store with its outbox
(store.py), one client per outside system (webhook_client.py, email_client.py,
local_client.py), the delivery worker (worker.py) and the staff CLI (cli.py).

Pure helpers (parsing.py, messages.py, settings.py) have no Rasa or database dependency.
"""
