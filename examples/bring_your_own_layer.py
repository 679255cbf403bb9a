"""Example 8: bring your own layer — a new recurrent layer through the L²M collapse, beside Mamba and attention.

A layer designer writes the sequence layer and nothing else: ``GatedLinearRecurrence`` below (a
minimal gated linear recurrence, d_state floats of state per layer) implements the plug-in contract
of ``infoscale.nets.plugin`` — ``forward`` over a whole sequence, ``init_state`` and ``step`` for one
position — and a factory builds a stack of them. infoscale adds the token embedding, the position
features, the Gaussian head, exact-KL training and evaluation, counts the state from the tensors
``step`` carries (and checks the declared ``state_dim`` against that count), checks ``step`` against
``forward``, and draws the figures. The layer enters the sweep by its module path,
``"bring_your_own_layer:gated_linear_recurrence"``, as it would from the command line
(``infoscale train --arch package.module:Factory``) or from an l2m config file.

The design is the ``collapse`` preset's at a reduced size: the hierarchical family k = 3 at
L = 16, 64, 256, three state sizes (2, 8, 32 floats) per fixed-state layer (the selective
SSM and the new layer), the transformer as the growing-state reference, the preset's early-stopping
rule, and the utilization (the share of I(L/2; L) each model's history carries) of every run.

    python examples/bring_your_own_layer.py            # reduced collapse design
    python examples/bring_your_own_layer.py --quick    # smoke test: seconds, no conclusions

Writes ``l2m.json``, ``summary.json`` and the figures of the L²M study (``collapse.png``,
``state_law.png`` where a state law is crossed, ``utilization.png``, …) into the folder
``bring_your_own_layer`` of ``--out``.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn
from torch.nn import functional as F

from infoscale.nets.base import MixerStack
from infoscale.nets.scan import scan
from infoscale.studies.l2m import EvalSettings, load_config, run_sweep, summary_lines
from infoscale.studies.l2m.presets import state_ladder

from _common import example_args  # --quick, --out (and --quiet): shared by the examples

# ---- the new layer: everything a designer writes ---------------------------------------------
class GatedLinearRecurrence(nn.Module):
    """h_t = a_t ⊙ h_{t-1} + (1 − a_t) ⊙ v_t, a_t = σ(W_a u_t), y_t = W_o (h_t ⊙ SiLU(W_g u_t))."""

    def __init__(self, d_model: int, d_state: int):
        super().__init__()
        self.d_state = d_state
        self.proj = nn.Linear(d_model, 3 * d_state)
        self.out = nn.Linear(d_state, d_model)
        with torch.no_grad():  # start with long memories: a_t ≈ σ(1..4)
            self.proj.bias[:d_state].uniform_(1.0, 4.0)

    def _gates(self, u):
        a, v, g = self.proj(u).chunk(3, dim=-1)
        a = torch.sigmoid(a)
        return a, (1 - a) * v, F.silu(g)

    def forward(self, u):  # (batch, L, d_model): every position at once, by infoscale's scan
        a, b, g = self._gates(u)
        return self.out(scan(a, b) * g)

    def init_state(self, batch, like):
        return like.new_zeros(batch, self.d_state)

    def step(self, u, h):  # (batch, d_model): one position
        a, b, g = self._gates(u)
        h = a * h + b
        return self.out(h * g), h

    def state_dim(self, length):  # optional: a declared formula, checked against the tensors step carries
        return self.d_state


def gated_linear_recurrence(d_model: int, n_layers: int, d_state: int = 8) -> nn.Module:
    """The factory: n_layers of the new layer in infoscale's residual blocks (LayerNorm, MLP)."""
    return MixerStack([GatedLinearRecurrence(d_model, d_state) for _ in range(n_layers)], d_model)
# ----------------------------------------------------------------------------------------------


ARCH = "bring_your_own_layer:gated_linear_recurrence"


def glr_ladder(states, d_model: int) -> list[dict]:
    """The new layer at several state sizes, one layer of d_state floats each, the width fixed."""
    return [{"label": f"glr-{state}", "arch": ARCH, "config": {"d_model": d_model, "n_layers": 1, "options": {"d_state": state}}}
            for state in states]


def sweep_config(quick: bool):
    """The collapse preset's design, reduced: its first family (k = 3), three lengths, three states per
    fixed-state layer (the selective SSM as the preset builds it: one layer, no convolution taps), one
    seed, the preset's early-stopping rule under its step cap, the utilization of every run."""
    config = load_config("collapse")
    states, d_model, lengths = ((2, 8), 8, [16, 64]) if quick else ((2, 8, 32), 32, [16, 64, 256])
    models = [{"label": "transformer", "arch": "transformer", "families": [0],
               "config": {"d_model": 32, "n_layers": 2, "n_heads": 4, "alibi": False}},
              *state_ladder("selective_ssm", "mamba", states, d_model=d_model, n_layers=1, conv_kernel=1),
              *glr_ladder(states, d_model)]
    reduced = replace(config, families=config.families[:1], lengths=lengths, models=models, plateau=[])
    if not quick:
        return reduced
    return replace(reduced, train=replace(config.train, steps=12, tokens_per_step=256, warmup=2, log_every=2),
                   early_stopping=None, eval=EvalSettings(n_samples=16, batch_size=16), utilization_samples=16,
                   analysis=replace(config.analysis, epsilons=[0.5]))


def main(argv=None) -> dict:
    args = example_args(__doc__, argv, quiet=True)
    out = args.out / "bring_your_own_layer"
    table = run_sweep(sweep_config(args.quick), out, progress=not args.quiet, overwrite=True)
    print("\n".join(summary_lines(table, table["summary"])))
    print(f"wrote {out / 'l2m.json'}, {out / 'summary.json'} and the figures")
    return table


if __name__ == "__main__":
    main()
