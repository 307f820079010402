"""diagbundle's built-in plugins.

Each module here is a plugin written only against diagbundle's public API,
loaded by the same path a third-party plugin takes.
"""
