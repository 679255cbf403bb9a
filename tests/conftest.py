"""Test-session settings: a headless matplotlib backend and one thread per numerical library.

Threads are pinned before numpy or torch is imported: on a busy 2-core machine oversubscribed
torch threads made training tests 25–45× slower, and one thread also makes timings and floating-
point reductions repeatable. Subprocesses started by the tests inherit these settings.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
