"""Fails while being imported, as a plugin with a missing dependency does."""

raise ImportError("broken_import: this plugin fails at import on purpose")
