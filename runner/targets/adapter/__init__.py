"""Adapters: an implementation in any language, driven over the JSON-lines protocol of docs/protocol.md."""
