"""The one exception tree of dbreview.

    DbreviewError            a problem the user can fix; the CLI prints it on one line, exit 2
    ├── ConfigError          .github/dbreview.yml (or --config) is invalid
    ├── InputError           a path, a git revision or standard input cannot be read
    └── UsageError           command-line arguments that do not fit together

Anything else escaping to the CLI is a bug in dbreview.
"""

from __future__ import annotations


class DbreviewError(Exception):
    """A problem with the user's input: the message names the problem and the fix."""


class ConfigError(DbreviewError):
    pass


class InputError(DbreviewError):
    pass


class UsageError(DbreviewError):
    pass
