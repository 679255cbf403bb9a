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
    # 2.5 min wall (62 s CPU) measured on 2 busy cores: every estimator is seen working and breaking.
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
