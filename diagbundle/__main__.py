"""``python -m diagbundle``: the same as the ``diagbundle`` command."""

from diagbundle.cli import main

raise SystemExit(main())
