"""Typed Python SDK for the Streamspec chat API."""
