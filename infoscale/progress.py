"""Progress reporting: one helper for every driver, a bar on a terminal and plain lines in a log.

Long computations take ``progress``: ``None`` (silent) or a callable ``progress(done, total)``
called as the work advances (``bar`` turns it into a display); a notebook user can pass their own.
Drivers that loop themselves (training, evaluation, the validation harness, the L²M sweep) wrap
the loop in ``progress_bar``. On a terminal (or in a notebook) both draw a tqdm bar; when stderr
is a file or a pipe (nohup, a batch job, CI) they write a plain line
``desc: done/total unit, rate, time left`` at the start, every ``LINE_SECONDS`` and at the end, so
that a log shows signs of life without carriage-return noise.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Callable, Optional

from infoscale.budget import format_seconds
from infoscale.errors import InvalidInput

Progress = Optional[Callable[[int, int], None]]

#: Seconds between two plain progress lines in a log; the environment variable
#: ``INFOSCALE_PROGRESS_SECONDS`` overrides it (e.g. 300 for a long batch job, 0 for every update).
LINE_SECONDS = 30.0


def report(progress: Progress, done: int, total: int) -> None:
    """Call ``progress(done, total)`` if a callback was given."""
    if progress is not None:
        progress(done, total)


def progress_bar(iterable=None, *, total: int | None = None, desc: str = "", unit: str = "it", initial: int = 0,
                 enabled: bool = True, unit_scale: bool = False, leave: bool = True):
    """A tqdm-like progress display: iterate over it, or call ``update(n)``; ``set_postfix`` and
    ``close`` as tqdm's. A tqdm bar on a terminal or in a notebook, ``ProgressLines`` when stderr is
    neither, nothing (a disabled tqdm) when ``enabled`` is false."""
    if enabled and not _interactive():
        return ProgressLines(iterable, total=total, desc=desc, unit=unit, initial=initial)
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, initial=initial, unit_scale=unit_scale, leave=leave,
                disable=not enabled, file=sys.stderr)


@contextlib.contextmanager
def bar(desc: str, enabled: bool = True, unit: str = "it", unit_scale: bool = False):
    """A ``progress(done, total)`` callback shown by ``progress_bar`` (bar or log lines), or
    ``None`` when disabled. ``unit_scale`` writes large counts as 1.2M on the bar."""
    if not enabled:
        yield None
        return
    with progress_bar(desc=desc, unit=unit, unit_scale=unit_scale, leave=False) as line:
        def update(done: int, total: int) -> None:
            if line.total != total:
                line.total = total
            line.update(done - line.n)

        yield update


class ProgressLines:
    """Plain progress lines on stderr: ``desc: done/total unit, rate, time left``.

    One line when it starts (once its total is known), then at most one every ``interval``
    seconds as it advances (default: ``line_seconds()``), and one when it closes (none for a
    computation that never reported and never wrote).
    """

    def __init__(self, iterable=None, total: int | None = None, desc: str = "", unit: str = "it",
                 initial: int = 0, interval: float | None = None, file=None):
        self.iterable, self.desc, self.unit, self.n = iterable, desc, unit, initial
        self.total = len(iterable) if total is None and hasattr(iterable, "__len__") else total
        self.interval = line_seconds() if interval is None else interval
        self.file = sys.stderr if file is None else file
        self.postfix, self._closed, self._written = "", False, False
        self._start, self._start_n = time.monotonic(), initial
        self._last = self._start - self.interval  # the first update writes when the start could not
        if self.total is not None:
            self._write()

    def __iter__(self):
        try:
            for item in self.iterable:
                yield item
                self.update()
        finally:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        if time.monotonic() - self._last >= self.interval:
            self._write()

    def set_postfix(self, ordered_dict=None, refresh: bool = True, **kwargs) -> None:
        self.postfix = ", ".join(f"{key}={value}" for key, value in {**(ordered_dict or {}), **kwargs}.items())

    def close(self) -> None:
        """The last line, unless nothing happened and nothing was written (an instant computation)."""
        if not self._closed:
            self._closed = True
            if self._written or self.n > self._start_n:
                self._write()

    def _write(self) -> None:
        now = time.monotonic()
        self._last, self._written = now, True
        elapsed, done = now - self._start, self.n - self._start_n
        rate = done / elapsed if done > 0 and elapsed > 0 else None
        parts = [f"{self.n}/{'?' if self.total is None else self.total} {self.unit}"]
        if rate is None:
            parts.append("rate not known yet")
        else:
            parts.append(f"{rate:.3g} {self.unit}/s" if rate >= 1 else f"{1 / rate:.3g} s/{self.unit}")
        if self._closed:
            parts.append(f"finished in {format_seconds(elapsed)}")
        elif rate is not None and self.total is not None:
            parts.append(f"{format_seconds(max(self.total - self.n, 0) / rate)} left")
        if self.postfix:
            parts.append(self.postfix)
        print(f"{self.desc}: {', '.join(parts)}", file=self.file, flush=True)


def line_seconds() -> float:
    """The interval of plain progress lines: ``INFOSCALE_PROGRESS_SECONDS`` if set, else ``LINE_SECONDS``."""
    text = os.environ.get("INFOSCALE_PROGRESS_SECONDS")
    if text is None:
        return LINE_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise InvalidInput(f"INFOSCALE_PROGRESS_SECONDS must be a number of seconds >= 0, got {text!r}")
    return seconds


def _interactive() -> bool:
    """A terminal on stderr, or a notebook (where tqdm.auto draws a widget)."""
    return sys.stderr.isatty() or "ipykernel" in sys.modules
