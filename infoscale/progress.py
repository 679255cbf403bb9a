"""Progress reporting without a progress bar in the numerical code.

Long computations take ``progress``: ``None`` (silent) or a callable ``progress(done, total)``
called as the work advances. The command line and the examples turn it into a tqdm bar
(``bar``); a notebook user can pass their own.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Callable, Optional

Progress = Optional[Callable[[int, int], None]]


def report(progress: Progress, done: int, total: int) -> None:
    """Call ``progress(done, total)`` if a callback was given."""
    if progress is not None:
        progress(done, total)


@contextlib.contextmanager
def bar(desc: str, enabled: bool = True, unit: str = "it", unit_scale: bool = False):
    """A ``progress`` callback drawing a tqdm bar on stderr (with tqdm's remaining-time estimate),
    or ``None`` when disabled or when stderr is not a terminal (logs stay free of carriage-return
    noise). ``unit_scale`` writes large counts as 1.2M."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from tqdm.auto import tqdm

    with tqdm(desc=desc, unit=unit, unit_scale=unit_scale, leave=False) as line:
        def update(done: int, total: int) -> None:
            if line.total != total:
                line.total = total
            line.update(done - line.n)

        yield update
