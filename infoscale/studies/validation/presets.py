"""The validation presets: which families, lengths, sample sizes and seeds each one runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One family (by registry name and parameters) and the lengths to test it at."""

    family: str
    params: dict
    lengths: tuple

    @property
    def label(self) -> str:
        return self.family + "".join(f" {k}={v}" for k, v in self.params.items())


PRESETS = {
    # 4 min 31 s CPU, 18 min 46 s wall (`/usr/bin/time infoscale validate --preset quick`, one thread,
    # a 2-core AMD EPYC at load average 13–15).
    # Every estimator is seen working and breaking; the four neural bounds take ~84 % of the time.
    "quick": dict(samples=2000, seeds=3, cases=(
        Case("ar", {}, (4, 8, 16, 32, 64)),
        Case("hierarchical", {"k": 3}, (4, 16, 64)),
        Case("gaussian-mean", {}, (4, 8, 16, 32, 64)),
        Case("noisy-copy", {}, (4, 8, 16, 32)),
        Case("markov", {"vocab_size": 2}, (4, 8, 12, 16, 24)),
        Case("copy", {"vocab_size": 2}, (4, 8, 12, 16, 24)),
        Case("dirichlet", {}, (4, 8, 12, 16)),
        Case("tree", {}, (4, 16, 64)),
    ), two_point_lengths=(4, 16, 64, 256, 1024)),
    # Estimated, not run end to end: about 4 h CPU, mostly KSG (one run at n = 20 000 takes 67 s CPU in
    # 16 + 16 dimensions and 188 s in 32 + 32), then the neural bounds (~0.4-3 s per run, ~0.6 h).
    "full": dict(samples=20000, seeds=10, cases=(
        Case("ar", {}, (4, 8, 16, 32, 64, 128)),
        Case("fgn", {}, (4, 8, 16, 32, 64, 128)),
        Case("hierarchical", {"k": 3}, (4, 16, 64, 256)),
        Case("hierarchical", {"k": 1}, (4, 16, 64, 256)),
        Case("gaussian-mean", {}, (4, 8, 16, 32, 64, 128)),
        Case("noisy-copy", {}, (4, 8, 16, 32, 64)),
        Case("markov", {"vocab_size": 2}, (4, 8, 12, 16, 24, 32)),
        Case("hmm", {}, (4, 8, 12, 16)),
        Case("copy", {"vocab_size": 2}, (4, 8, 12, 16, 24, 32)),
        Case("dirichlet", {}, (4, 8, 12, 16, 24)),
        Case("tree", {}, (4, 16, 64)),
    ), two_point_lengths=(4, 16, 64, 256, 1024, 4096)),
}
