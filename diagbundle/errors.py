"""Exceptions that end a run with a one-line message and a non-zero exit."""

from __future__ import annotations


class DiagbundleError(Exception):
    """Base class: ``str(error)`` is the one line shown to the user."""

    exit_code = 1


class UsageError(DiagbundleError):
    """Bad input from the user: a missing file, an unknown collector name."""

    exit_code = 2


class FormatError(DiagbundleError):
    """A format-aware step could not parse its input, so it fails closed."""

    exit_code = 3


class BundleError(DiagbundleError):
    """The bundle could not be written (disk full, permission denied)."""

    exit_code = 4


class InspectError(DiagbundleError):
    """A bundle failed verification: not a zip, no manifest, a hash mismatch."""

    exit_code = 5


class UploadError(DiagbundleError):
    """The upload failed; the bundle is kept on disk."""

    exit_code = 7


#: The bundle was written but is incomplete: a collector failed or timed out, or all were skipped.
EXIT_INCOMPLETE = 6
