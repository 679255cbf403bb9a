"""Input validation shared by every module: clear errors naming the parameter and its range."""

from __future__ import annotations

import numbers

import numpy as np

from infoscale.errors import InvalidInput, InvalidType


def as_rng(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a Generator, an int seed or ``None``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise InvalidType(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def check_int(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, or raise naming ``name`` and the allowed range [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InvalidType(f"{name} must be an integer, got {_number(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidInput(f"{name} must be {_range_text(low, high)}, got {value}")
    return value


def check_bool(name: str, value) -> bool:
    """Return ``value`` if it is a bool (numpy's included); anything else (``"yes"``, 1) is refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidType(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_float(name: str, value, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a finite float inside the given (open or closed) bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidType(f"{name} must be a real number, got {_number(value)}")
    value = float(value)
    bad = not np.isfinite(value)
    if low is not None:
        bad |= value <= low if low_open else value < low
    if high is not None:
        bad |= value >= high if high_open else value > high
    if bad:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = ("(" if low_open or low is None else "[") + f"{lo}, {hi}" + (")" if high_open or high is None else "]")
        raise InvalidInput(f"{name} must be a finite number in {interval}, got {value!r}")
    return value


def check_split(ell, length: int) -> int:
    """Validate a cut position 1 <= ell <= length - 1."""
    return check_int("ell", ell, 1, length - 1)


def check_block(start, stop, length: int) -> tuple[int, int]:
    """Validate a block [start, stop) of a sequence of ``length`` positions."""
    start = check_int("start", start, 0, length - 1)
    stop = check_int("stop", stop, start + 1, length)
    return start, stop


def check_finite_array(name: str, x, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Return ``x`` as a float64 array, rejecting NaN/inf and the wrong number of axes."""
    if np.iscomplexobj(x):
        raise InvalidType(f"{name} must hold real numbers, got complex values")
    arr = np.asarray(x, dtype=np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            raise InvalidInput(f"{name} must have {' or '.join(map(str, allowed))} axes, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidInput(f"{name} contains NaN or infinite values")
    return arr


def _range_text(low, high) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f">= {low}"
    return f"<= {high}"


#: The largest token value: a pair of tokens (a·V + b) must fit an int64 key, and V counts fit memory.
MAX_TOKEN = 2**31 - 1


def check_token_array(x, vocab_size: int | None = None, ndim: tuple[int, ...] = (1, 2)) -> tuple[np.ndarray, int]:
    """Integer tokens as int64 (1-D or 2-D) and the vocabulary size (inferred as max + 1 when not given).

    Booleans are tokens 0/1; integral floats are accepted; complex numbers, strings, dates and
    structured records are refused, as are tokens above ``MAX_TOKEN`` (checked before any table
    of the vocabulary is allocated).
    """
    arr = np.asarray(x)
    if arr.ndim not in ndim:
        raise InvalidInput(f"x must have {' or '.join(map(str, ndim))} axes, got shape {arr.shape}")
    if arr.size < 2:
        raise InvalidInput(f"x must hold at least 2 tokens, got {arr.size}")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iuf":
        raise InvalidType(f"x must hold integer tokens, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise InvalidInput("x contains NaN or infinite values")
        if np.any(arr != np.round(arr)):
            raise InvalidType(f"x must hold integer tokens, got dtype {arr.dtype} with non-integer values")
    low, high = arr.min(), arr.max()
    if low < 0:
        raise InvalidInput(f"tokens must be non-negative, got minimum {_number(low)}")
    if high > MAX_TOKEN:
        raise InvalidInput(f"tokens must be <= {MAX_TOKEN} (2**31 - 1; relabel larger codes), got {_number(high)}")
    arr = arr.astype(np.int64)
    inferred = int(high) + 1
    vocab_size = max(inferred, 2) if vocab_size is None else check_int("vocab_size", vocab_size, max(inferred, 2))
    return arr, vocab_size


def check_int_array(name: str, values, low: int | None = None, high: int | None = None) -> np.ndarray:
    """A non-empty 1-D list of integers (integral floats allowed; 16.5 refused, never truncated) in [low, high]."""
    arr = np.atleast_1d(np.asarray(values))
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)) \
            or np.any(arr != np.round(arr)):
        raise InvalidInput(f"{name} must be a non-empty list of integers, got {_short(values)}")
    if (low is not None and arr.min() < low) or (high is not None and arr.max() > high):
        raise InvalidInput(f"{name} must lie {_range_text(low, high)}, got {_short(values)}")
    return arr.astype(np.int64)


def _number(value) -> str:
    """A numpy scalar as plain text (``3``, ``1.5``), never ``np.float64(1.5)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _short(values) -> str:
    text = repr(np.asarray(values).tolist()) if isinstance(values, np.ndarray) else repr(values)
    return text if len(text) <= 60 else text[:57] + "..."
