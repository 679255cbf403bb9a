"""Small torch models with a readable history state, exact-KL training and the L²M experiment.

- ``build_model(arch, config)``: transformer, sliding_window, gru, lstm, ssm, selective_ssm,
  linear_attention (``architecture_names()``), continuous or discrete tokens;
- ``train(model, family, length, TrainConfig(...))`` and ``evaluate(model, family, length)``;
- ``load_model(path)``: a model from a checkpoint written by ``train``;
- ``linear_gaussian_reference(family, length, D)``; ``l2m.run_l2m`` (``infoscale l2m``).
"""

from infoscale.nets.checkpoint import load_model
from infoscale.nets.evaluate import Evaluation, evaluate
from infoscale.nets.models import architecture_names, build_model, register_architecture
from infoscale.nets.reference import linear_gaussian_reference
from infoscale.nets.train import TrainConfig, TrainResult, train

__all__ = ["Evaluation", "TrainConfig", "TrainResult", "architecture_names", "build_model", "evaluate",
           "linear_gaussian_reference", "load_model", "register_architecture", "train"]
