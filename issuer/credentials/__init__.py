"""Unsigned credential documents (JSON-LD, XML) and the human-readable rendering. No keys here."""
