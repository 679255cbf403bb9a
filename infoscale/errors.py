"""The error types that mean "bad input", as distinct from bugs.

Validation at the library's boundary raises these; the ``infoscale`` command turns them (and
only them) into one line on stderr and exit code 2. Any other exception is a bug and keeps its
traceback. Each subclasses the built-in type a Python caller would expect, so
``except ValueError`` keeps working.

- ``InvalidInput`` (a ``ValueError``): a parameter or file outside what is allowed; the message
  names the parameter and the allowed range.
- ``InvalidType`` (also a ``TypeError``): a parameter of the wrong kind.
- ``Unavailable`` (a ``NotImplementedError``): a quantity this family or estimator cannot give
  for these arguments (e.g. exact MI beyond enumeration reach); the message says why and what
  to use instead. Sweeps catch it to fall back to Monte Carlo.
"""


class InvalidInput(ValueError):
    """A parameter, option or file outside what is allowed (the message names it)."""


class InvalidType(InvalidInput, TypeError):
    """A parameter of the wrong type (the message names it)."""


class Unavailable(NotImplementedError):
    """A quantity that cannot be computed for these arguments (the message says why)."""


#: What the command line reports as a user error (exit code 2).
USER_ERRORS = (InvalidInput, Unavailable)
