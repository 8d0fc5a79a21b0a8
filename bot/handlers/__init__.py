"""Thin Telegram handlers: parse the update, call a service, render the result.

Every command and handler is declared and registered in ``registry``; shared helpers live in
``support`` and ``permissions``. No handler module imports another.
"""
