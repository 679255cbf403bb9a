"""Example 7: the L²M collapse — KL against I(L/2; L)/state, and the state a model needs, D*(L) ∝ L^γ.

The L²M bound says a model whose history state holds D floats cannot carry more than D floats'
worth of the past into the future, so its KL should depend on the length L and its state D only
through I(L/2; L)/D, and the state needed for a given KL should grow as I(L/2; L) ∝ L^β. This
script runs the ``collapse`` preset of ``infoscale.studies.l2m``: hierarchical Gaussian families
with k = 3 (β ≈ 0.80) and k = 2 (β ≈ 0.52), L = 64, 256, 1024, a selective SSM and a diagonal
SSM at seven state sizes each (2 … 128 floats, the width held fixed), and the transformer as the
growing-state reference, every model under the same budget (≤ 60 minutes on 2 CPU cores, two
worker processes). It prints the table, the collapse scores, D*(L) with its exponent γ next to
β, and the transformer's KL growth, and says which targets are met.

    python examples/l2m_collapse.py                    # the collapse preset, about an hour on 2 cores
    python examples/l2m_collapse.py --quick            # smoke test: seconds, no conclusions

Writes ``l2m.json``, ``summary.json`` and the figures (a)–(e) into the folder ``l2m_collapse``
of ``--out``, with the per-run rows (``runs/``) and models (``models/``).
"""

from __future__ import annotations

from dataclasses import replace

from infoscale.studies.l2m import AnalysisSettings, EvalSettings, SweepConfig, load_config, run_sweep, summary_lines
from infoscale.studies.l2m.presets import state_ladder

from _common import example_args  # --quick, --out (and --quiet): shared by the examples


def smoke_config() -> SweepConfig:
    """The collapse preset at toy sizes: every code path, none of the conclusions."""
    config = load_config("collapse")
    models = [{"label": "transformer", "arch": "transformer", "config": {"d_model": 8, "n_layers": 1, "n_heads": 2}},
              *state_ladder("selective_ssm", "mamba", (2, 4, 8), d_model=8),
              *state_ladder("ssm", "ssm", (2, 4, 8), d_model=8)]
    return replace(config, lengths=[16, 64], models=models,
                   train=replace(config.train, steps=12, tokens_per_step=256, warmup=2, log_every=2),
                   train_by_length={}, eval=EvalSettings(n_samples=16, batch_size=16), workers=1,
                   analysis=AnalysisSettings(thresholds=[0.1, 0.2]))


def main(argv=None) -> dict:
    args = example_args(__doc__, argv, quiet=True)
    out = args.out / "l2m_collapse"
    config = smoke_config() if args.quick else load_config("collapse")
    table = run_sweep(config, out, progress=not args.quiet, overwrite=True)
    print("\n".join(summary_lines(table, table["summary"])))
    for kind, verdicts in table["summary"]["targets"].items():
        for what, met in verdicts.items():
            print(f"target {kind}: {what}: {'met' if met else 'NOT met'}")
    print(f"wrote {out / 'l2m.json'}, {out / 'summary.json'} and the figures")
    return table


if __name__ == "__main__":
    main()
