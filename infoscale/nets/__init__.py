"""Small torch models with a readable history state and exact-KL training.

- ``build_model(arch, config)``: transformer, sliding_window, gru, lstm, ssm, selective_ssm,
  linear_attention (``architecture_names()``), continuous or discrete tokens;
- ``train(model, family, length, TrainConfig(...))`` and ``evaluate(model, family, length)``;
- ``load_model(path)``: a model from a checkpoint written by ``train``;
- ``register_layer(name, factory)``, ``available_architectures()``: plug-in layers (``nets.plugin``:
  the contract; ``nets.hf_layers``: Hugging Face Mamba, Mamba2 and Llama through it);
- ``pick_device``, ``available_threads``, ``torch_threads``: where torch runs (``nets.device``).

The L²M experiment built on them is ``infoscale.studies.l2m``; the linear-Gaussian reference
R(D) is ``infoscale.theory.rate_distortion``.
"""

from infoscale.nets.checkpoint import load_model
from infoscale.nets.device import available_threads, pick_device, torch_threads
from infoscale.nets.evaluate import Evaluation, evaluate
from infoscale.nets.models import (architecture_names, available_architectures, build_model, register_architecture,
                                   register_layer)
from infoscale.nets.train import TrainConfig, TrainResult, train

__all__ = ["Evaluation", "TrainConfig", "TrainResult", "architecture_names", "available_architectures",
           "available_threads", "build_model", "evaluate", "load_model", "pick_device", "register_architecture",
           "register_layer", "torch_threads", "train"]
