"""The L²M experiment: train models of several history-state sizes on families of growing MI.

Chen et al. (L²M, Sec. 6, Fig. 3) train models with exact-KL losses on the hierarchical Gaussian
family (k = 3, I(L/2; L) ∝ L^0.79) and find that the transformer, whose KV cache grows with L,
keeps a flat per-token KL, while fixed-state models degrade as L grows; against
I(L/2; L) / dim(history state) all models fall on one curve. ``run_sweep`` sweeps
family × length × model, evaluates each trained model exactly, and writes

- ``l2m.json``: one row per run (mean KL ± stderr, NLL, history_state_dim at L/2, I(L/2; L),
  the total KL over the second half, the linear-Gaussian reference R(D), the KL of the best
  predictor with no history (``memoryless_kl``), throughput, position-wise KL, ``model_file``);
- ``models/run-NNN.pt``: each trained model (``infoscale.nets.checkpoint.load_model`` reads it);
- ``kl_vs_length.png`` (a), ``position_kl.png`` (b), ``collapse.png`` (c),
  ``linear_reference.png`` (d).

A configuration is a ``SweepConfig`` (``config``): frozen, typed dataclasses (``FamilySpec``,
``ModelSpec``, ``TrainSettings``, ``EvalSettings``, ``AnalysisSettings``) that validate themselves
when built, read from and written as JSON (``from_dict`` / ``to_dict``). ``load_config(preset,
path)`` starts from a preset, overrides its top-level keys from a JSON file and validates once;
``validate(dict)`` does the same for a dict. ``plan`` then checks what needs the families and the
models (lengths, model sizes, losses, memory) before the first training step, and each run builds
its model once.

``warm_start``: a length curriculum, the same for every model. Each model at length L starts from
its own weights trained at the previous length of the sweep (``lengths`` must then increase)
instead of from a fresh initialisation, with a fresh optimizer and learning-rate schedule. Every
architecture here is length-agnostic, so the weights carry over; the short lengths teach the
local structure cheaply (4096 tokens are 64 sequences at L = 64 but 4 at L = 1024). It is fair:
a fixed-state model gets the same extra training, yet its state stays the same size. Each row
records ``warm_start_from`` (the previous length, or null).

``resume``: a sweep cut short (a job's time limit, a pre-empted GPU) continues where it stopped
when run again into the same folder with the same configuration (``infoscale l2m … --resume``):
finished runs are read back, not retrained.

Modules: ``config`` (the configuration dataclasses; ``schema`` their JSON machinery), ``presets``
(the presets and ``load_config``), ``plan`` (every run resolved and checked), ``sweep`` (training,
evaluation, resume), ``summary`` (``summary.json``, the text table) and ``figures`` (a)–(e).
"""

from infoscale.studies.l2m.config import (AnalysisSettings, EvalSettings, FamilySpec, ModelSpec, SweepConfig,
                                          TrainSettings, validate)
from infoscale.studies.l2m.figures import plot_l2m
from infoscale.studies.l2m.plan import Run, plan
from infoscale.studies.l2m.presets import PRESETS, load_config
from infoscale.studies.l2m.summary import summarize_sweep, summary_lines
from infoscale.studies.l2m.sweep import analyse_sweep, run_sweep

__all__ = ["AnalysisSettings", "analyse_sweep", "EvalSettings", "FamilySpec", "ModelSpec", "PRESETS", "Run", "SweepConfig",
           "TrainSettings", "load_config", "plan", "plot_l2m", "run_sweep", "summarize_sweep", "summary_lines",
           "validate"]
