"""Small plugins the core tests load, each misbehaving in one precise way.

They are real plugins: ``dist/`` holds a ``.dist-info`` folder whose
``entry_points.txt`` names them in the ``diagbundle`` group, so a child
process with ``tests/`` and ``tests/core_plugins/dist`` on ``PYTHONPATH``
discovers them through ``importlib.metadata`` exactly as it would an
installed distribution. Tests choose which load with
``DIAGBUNDLE_LOAD_PLUGINS``.
"""
