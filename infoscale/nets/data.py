"""Training batches drawn where the model trains: fresh samples and their exact conditionals.

Row r of the global batch at step s is drawn from its own generator, seeded by (seed, s, r)
(``row_seed``). The data of a step is therefore a function of the seed, the step and the row
only: a resumed run sees the same data as an uninterrupted one, and under DDP each of W ranks
draws only its own rows yet all W together see the same global batch as one process.

Gaussian families (``infoscale.protocols.GaussianFamily``) are drawn in torch on the training
device from their Cholesky factor C, cached per length: with z ~ N(0, I) drawn directly,
x = C z, and the innovations of x *are* z, so the exact conditional of x_t given its past is
N(x_t − C_tt z_t, C_tt²) without any triangular solve. The product is a dense float32 matmul
(skipping C's zero upper part by column blocks was measured slower on the CPU: the sliced
products lose more to copies than they save), one per row: every row goes through the same
(token_dim, L) × (L, L) product whatever the number of rows drawn with it, so a row is bitwise
the same whether the batch is drawn whole or in parts (one product over all rows lets the BLAS
pick its kernel by the row count, which changes the rounding on some CPUs). It is computed in the
device's working precision (float32), so targets carry float32 rounding (relative ~1e-6 of the
token scale, far below any KL the nets reach; ``tests/test_nets_data.py`` checks both against the
float64 reference). Discrete families are drawn by the family itself in numpy, row by row.

The hierarchical family at L ≥ ``TREE_FROM_LENGTH``, where its dense factor would take L² memory
(and is refused past 4^6), is drawn instead by its own O(L · levels) sampler in numpy and its exact
conditionals come from the Kalman-style pass of ``exact.hierarchical_tree`` (memory linear in L),
one row at a time from the row's generator; shorter lengths keep the factor (the same data as before).
"""

from __future__ import annotations

import numpy as np
import torch

from infoscale.budget import check_memory
from infoscale.generators.hierarchical import Hierarchical
from infoscale.nets.kl import Batch
from infoscale.protocols import GaussianFamily


#: Lengths from which the hierarchical family is drawn by its tree instead of the dense factor.
TREE_FROM_LENGTH = 4 ** 6 + 1


def row_seed(seed: int, step: int, row: int) -> int:
    """A 63-bit seed for row ``row`` of step ``step`` of a run seeded with ``seed``."""
    return int(np.random.SeedSequence([seed, step, row]).generate_state(1, np.uint64)[0] >> np.uint64(1))


class TrainingData:
    """Draws ``(x, target)`` for rows of a step; ``target`` is the exact conditional law or ``None``.

    ``objective`` is the ``infoscale.nets.kl.Objective`` (family, loss); Gaussian families are
    drawn on ``device`` from the cached factor, discrete ones by the family in numpy.
    """

    def __init__(self, objective, length: int, device: torch.device, with_target: bool):
        self.objective, self.length, self.device, self.with_target = objective, length, device, with_target
        family = objective.family
        self.gaussian = isinstance(family, GaussianFamily)
        self.tree = isinstance(family, Hierarchical) and length >= TREE_FROM_LENGTH
        if self.gaussian and not self.tree:
            check_memory(f"the Cholesky factor of the {family.name} covariance at L={length}", 12.0 * length**2)
            factor = torch.as_tensor(family.cholesky(length), dtype=torch.float32)
            self.factor_t = factor.T.contiguous().to(device)   # x = z @ Cᵀ for rows z (…, L)
            self.diagonal = factor.diagonal().contiguous().to(device)

    def draw(self, seed: int, step: int, rows: range):
        """The rows ``rows`` of step ``step``: tokens and (when asked) the exact conditionals, on the device."""
        if not self.gaussian:
            return self._draw_numpy(seed, step, rows)
        if self.tree:
            return self._draw_tree(seed, step, rows)
        dim = self.objective.family.token_dim
        z = torch.empty(len(rows), dim, self.length, device=self.device)
        x = torch.empty_like(z)
        generator = torch.Generator(device=self.device)
        for i, row in enumerate(rows):  # one fixed-shape product per row (see the module docstring)
            torch.randn(dim, self.length, generator=generator.manual_seed(row_seed(seed, step, row)),
                        device=self.device, out=z[i])
            torch.mm(z[i], self.factor_t, out=x[i])
        target = None
        if self.with_target:
            std = self.diagonal.expand_as(x)
            target = ((x - std * z).transpose(1, 2), std.transpose(1, 2))
        return Batch(x.transpose(1, 2), target)

    def _draw_numpy(self, seed: int, step: int, rows: range) -> Batch:
        family = self.objective.family
        x = np.concatenate([family.sample(1, self.length, np.random.default_rng(row_seed(seed, step, row)))
                            for row in rows])
        target = None
        if self.with_target:
            exact = [self.objective.exact(row[None]) for row in x]  # row by row: independent of the batch
            target = tuple(torch.as_tensor(np.concatenate(t), device=self.device) for t in zip(*exact))
        return Batch(torch.as_tensor(x, device=self.device), target)

    def _draw_tree(self, seed: int, step: int, rows: range) -> Batch:
        """The hierarchical family past the factor's range: its sampler and the tree pass, row by row."""
        family = self.objective.family
        x = [family.sample(1, self.length, np.random.default_rng(row_seed(seed, step, row))) for row in rows]
        target = None
        if self.with_target:
            exact = [family.tree_conditionals(row) for row in x]
            target = tuple(torch.as_tensor(np.concatenate(t), dtype=torch.float32, device=self.device) for t in zip(*exact))
        return Batch(torch.as_tensor(np.concatenate(x), dtype=torch.float32, device=self.device), target)
