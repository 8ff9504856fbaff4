"""User-facing errors.

Anything a user can cause (a bad name, a missing file, a corrupt download) raises a
``GanZooError`` subclass with a message that says what to do; command-line entry points
turn these into one line on stderr and exit code 2 instead of a traceback.
"""


class GanZooError(Exception):
    """A problem the user can fix; the message says how."""


class DataError(GanZooError):
    """Data missing, corrupt, or in an unwritable place."""


class ConfigError(GanZooError):
    """An unknown name or a malformed option."""
