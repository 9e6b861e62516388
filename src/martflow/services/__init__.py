"""Headless use cases both front ends share (ticket views, previews, catalog, sync, doctor).

Each takes the ports it needs (``services.ports``: tracker, ledger, engine, dbt...), never
the composition root; ``AppContext`` satisfies them all and tests pass ``tests/fakes``.
They never import Textual or click, nor integrations.
"""
