"""Streamspec: a schema-first, typed AI chat server."""
