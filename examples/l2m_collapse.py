"""Example 7: the L²M test that could fail — does KL depend on I(L/2; L)/D, or on L/D?

The L²M bound says a model whose history state holds D floats cannot carry more than D floats'
worth of the past into the future, so its KL should depend on the length L and its state D only
through I(L/2; L)/D. Since I grows with L, that needs a design that tells I from L: this script
runs the ``collapse`` preset of ``infoscale.studies.l2m`` — hierarchical families with k = 2, 3, 4
and k = 3 at token_dim 4 (different I at equal L), L = 16 … 1024, a GRU and a selective SSM
(kernel 1) at six state sizes (2 … 256 floats, the width held fixed), two seeds at three sizes,
every run from a fresh start and stopped by the early-stopping rule, the transformer as the
growing-state reference with its plateau test. It prints the table, ĉ with its interval and the
R² on I/D against L/D, D*_ε(L) with γ next to β, utilization, and which targets are met.

    python examples/l2m_collapse.py                    # the collapse preset (72 min on 2 cores, measured)
    python examples/l2m_collapse.py --quick            # smoke test: every code path, no conclusions

Writes ``l2m.json``, ``summary.json`` and the figures into the folder ``l2m_collapse`` of
``--out``, with the per-run rows (``runs/``) and models (``models/``).
"""

from __future__ import annotations

from dataclasses import replace

from infoscale.studies.l2m import AnalysisSettings, EvalSettings, SweepConfig, load_config, run_sweep, summary_lines
from infoscale.studies.l2m.presets import state_ladder

from _common import example_args  # --quick, --out (and --quiet): shared by the examples


def smoke_config() -> SweepConfig:
    """The collapse preset at toy sizes: every code path, none of the conclusions."""
    config = load_config("collapse")
    models = [{"label": "transformer", "arch": "transformer", "families": [0], "seeds": [0, 1],
               "config": {"d_model": 8, "n_layers": 1, "n_heads": 2}},
              *state_ladder("gru", "gru", (2, 4), d_model=8, n_layers=1, seeded=(2,)),
              *state_ladder("selective_ssm", "mamba", (2, 4), d_model=8, n_layers=1, conv_kernel=1)]
    return replace(config, families=config.families[:2], lengths=[4, 16, 64, 256], models=models,
                   train=replace(config.train, steps=6, tokens_per_step=256, warmup=2, log_every=2),
                   early_stopping=replace(config.early_stopping, every=2, min_steps=4, n_samples=4),
                   eval=EvalSettings(n_samples=8, batch_size=8), workers=1, utilization_samples=8,
                   plateau=("transformer", "gru-2"), analysis=AnalysisSettings(epsilons=[0.3], bootstrap=20))


def main(argv=None) -> dict:
    args = example_args(__doc__, argv, quiet=True)
    out = args.out / "l2m_collapse"
    config = smoke_config() if args.quick else load_config("collapse")
    table = run_sweep(config, out, progress=not args.quiet, overwrite=True)
    print("\n".join(summary_lines(table, table["summary"])))
    for kind, verdicts in table["summary"]["targets"].items():
        if isinstance(verdicts, dict):
            for what, met in verdicts.items():
                print(f"target {kind}: {what}: {'met' if met else 'NOT met'}")
    print(f"wrote {out / 'l2m.json'}, {out / 'summary.json'} and the figures")
    return table


if __name__ == "__main__":
    main()
