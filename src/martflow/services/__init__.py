"""Headless use cases both front ends share (ticket views, previews, catalog, sync).

They sit on the composition root (``AppContext``) and the domain; they never import
Textual or click, and reach integrations only through the context.
"""
