"""Training on fresh samples: exact-KL (or NLL) loss, AdamW, warmup + cosine, clipping, checkpoints.

Every step draws a new global batch, each row r from a generator seeded by (seed, step, r),
on the training device (``infoscale.nets.data``). The data a step sees is therefore a function of
the seed, the step and the row only, which gives two properties for free:

- resuming from a checkpoint (model, optimizer, scheduler, step) reproduces the uninterrupted
  run exactly on CPU; a checkpoint of another run (another family, length, model or training
  setting) is refused before any step, naming the field that differs;
- under ``torch.distributed`` (DDP, launched by ``torchrun``) rank r of W draws only rows
  r·B/W … (r+1)·B/W of the global batch B; DDP averages the gradients, so W processes take
  the same step as one process on the whole batch (up to the order of float additions).

Launch DDP with torchrun, e.g. ``torchrun --nproc_per_node 2 -m infoscale.cli train hierarchical
--arch transformer --length 1024 --out run`` (gloo on CPU, NCCL on CUDA; ``init_distributed``
joins the group from torchrun's environment). Rank 0 writes checkpoints and metrics.

The learning rate rises linearly for ``warmup`` steps, then follows a cosine down to
``min_lr_ratio`` · lr. AdamW decays only weight matrices (``parameter_groups``): never norms,
biases, the start vector, SSM dynamics or MPS tensors. On CUDA, ``amp=True`` runs the forward
pass under bf16 autocast; the loss is always reduced in float32. A non-finite loss stops training
with an error; the last checkpoint written before it stays as it was.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field

import torch
import torch.distributed as dist
from tqdm.auto import tqdm

from infoscale._checks import check_float, check_int
from infoscale.errors import InvalidInput
from infoscale.io import write_json
from infoscale.nets.base import dataclass_from_dict
from infoscale.nets.checkpoint import family_record, read_checkpoint, save_model
from infoscale.nets.data import TrainingData
from infoscale.nets.device import pick_device
from infoscale.nets.kl import Objective


#: The largest learning rate accepted: beyond it AdamW's float32 state overflows at the first step.
MAX_LR = 1e6


@dataclass
class TrainConfig:
    """Optimisation settings; ``batch_size`` is the global batch (split across DDP ranks)."""

    steps: int = 200
    batch_size: int = 16
    lr: float = 3e-3
    weight_decay: float = 0.01
    warmup: int = 20
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    seed: int = 0
    loss: str | None = None
    device: str = "auto"
    amp: bool = False
    log_every: int = 10
    checkpoint_every: int = 0

    def __post_init__(self):
        self.steps = check_int("steps", self.steps, 1)
        self.batch_size = check_int("batch_size", self.batch_size, 1)
        self.lr = check_float("lr", self.lr, 0.0, MAX_LR, low_open=True)
        self.weight_decay = check_float("weight_decay", self.weight_decay, 0.0)
        self.warmup = check_int("warmup", self.warmup, 0)
        self.min_lr_ratio = check_float("min_lr_ratio", self.min_lr_ratio, 0.0, 1.0)
        self.grad_clip = check_float("grad_clip", self.grad_clip, 0.0, low_open=True)
        self.seed = check_int("seed", self.seed, 0, 2**63 - 1)
        self.log_every = check_int("log_every", self.log_every, 1)
        self.checkpoint_every = check_int("checkpoint_every", self.checkpoint_every, 0)
        device = pick_device(self.device)  # validates the name, and CUDA where asked for
        if self.amp and self.device != "auto" and device.type != "cuda":  # auto: a GPU configuration run on a CPU
            raise InvalidInput(f"amp (bf16 autocast) runs on CUDA only, and the device asked for is {device}; drop --amp")

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        return dataclass_from_dict(cls, values)


@dataclass
class TrainResult:
    """The logged metrics (one dict per logged step, the loss under the name ``loss``) and throughput of a run."""

    history: list[dict] = field(default_factory=list)
    loss: str = ""
    steps: int = 0  # steps taken (fewer than config.steps where ``stop`` ended training)
    final_loss: float = float("nan")
    tokens_per_second: float = 0.0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def lr_factor(step: int, config: TrainConfig) -> float:
    """Linear warmup over ``warmup`` steps, then cosine decay to ``min_lr_ratio``."""
    if step < config.warmup:
        return (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.min_lr_ratio + (1 - config.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


def parameter_groups(model, weight_decay: float) -> list[dict]:
    """AdamW groups: weight decay on weight matrices only.

    Not decayed: every parameter with fewer than two axes (norm gains, biases, the start vector,
    skip gains) and every parameter a module names in its ``no_weight_decay`` (SSM decay rates and
    step sizes, MPS site tensors): shrinking those changes what the model can remember.
    """
    excluded = set()
    for prefix, module in model.named_modules():
        for name in getattr(module, "no_weight_decay", ()):
            excluded.add(f"{prefix}.{name}" if prefix else name)
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        declared = any(name == e or name.startswith(e + ".") for e in excluded)
        (no_decay if param.ndim < 2 or declared else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def prepare(model, family, length: int, config: TrainConfig) -> tuple[Objective, int]:
    """All checks that must fail before training starts; returns the objective and the length."""
    length = family.check_length(length)
    objective = Objective(family, config.loss)
    objective.check_model(model)
    world = dist.get_world_size() if dist.is_initialized() else 1
    if config.batch_size % world:
        raise InvalidInput(f"batch_size {config.batch_size} must be a multiple of the number of processes {world}")
    return objective, length


def train(model, family, length: int, config: TrainConfig | None = None, *, checkpoint=None, resume: bool = False,
          metrics_path=None, progress: bool = True, stop=None) -> TrainResult:
    """Train ``model`` in place on fresh samples of ``family`` at ``length``.

    ``checkpoint``: a path written every ``checkpoint_every`` steps and at the end (rank 0);
    with ``resume=True`` and an existing file, training continues from it.
    ``metrics_path``: JSON of the logged metrics, at the end (rank 0). ``stop(step, model)``: True ends training.
    """
    config = config or TrainConfig()
    objective, length = prepare(model, family, length, config)
    distributed = dist.is_initialized()
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    device = pick_device(config.device)
    model.to(device).train()
    optimizer = torch.optim.AdamW(parameter_groups(model, config.weight_decay), lr=config.lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, config))
    result, start = TrainResult(loss=objective.loss), 0
    if resume and checkpoint is not None:
        start = _restore(checkpoint, model, optimizer, scheduler, result, device, family, length, config, distributed)
    data = TrainingData(objective, length, device, with_target=objective.loss == "kl")
    net = model
    if distributed:
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    rows = range(rank * config.batch_size // world, (rank + 1) * config.batch_size // world)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=config.amp and device.type == "cuda")
    began, result.steps = time.perf_counter(), start
    bar = tqdm(range(start, config.steps), initial=start, total=config.steps, disable=None if progress and rank == 0 else True,
               desc=f"{model.arch} L={length}")
    for step in bar:
        batch = data.draw(config.seed, step, rows)
        with autocast:
            output = net(batch.inputs())
        loss = objective.loss_value(output, batch)
        _stop_if_diverged(loss, step, objective.loss, config.lr, checkpoint, bar)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        scheduler.step()
        if (step + 1) % config.log_every == 0 or step + 1 == config.steps:
            value = _global_mean(loss.detach(), distributed)
            result.history.append({"step": step + 1, objective.loss: value, "lr": scheduler.get_last_lr()[0],
                                   "grad_norm": float(grad_norm)})
            bar.set_postfix({objective.loss: f"{value:.4g}"})
        if checkpoint is not None and rank == 0 and config.checkpoint_every and (step + 1) % config.checkpoint_every == 0:
            _save(checkpoint, model, optimizer, scheduler, step + 1, config, family, length, result)
        result.steps = step + 1
        if stop is not None and stop(result.steps, model):
            break
    bar.close()
    result.seconds = time.perf_counter() - began
    result.tokens_per_second = (result.steps - start) * config.batch_size * length / max(result.seconds, 1e-12)
    result.final_loss = result.history[-1][objective.loss] if result.history else float("nan")
    if rank == 0:
        if checkpoint is not None:
            _save(checkpoint, model, optimizer, scheduler, config.steps, config, family, length, result)
        if metrics_path is not None:
            write_json(metrics_path, {"arch": model.arch, "family": family_record(family), "length": length,
                                      "train_config": asdict(config), **result.to_dict()})
    return result


def _stop_if_diverged(loss: torch.Tensor, step: int, name: str, lr: float, checkpoint, bar) -> None:
    """A non-finite loss ends training with an error; the last checkpoint stays as it was."""
    if not torch.isfinite(loss):
        bar.close()
        kept = f"; the checkpoint {str(checkpoint)!r} of an earlier step is kept" if checkpoint is not None else ""
        raise InvalidInput(f"training diverged: the {name} loss is {float(loss.detach())} at step {step + 1} "
                           f"(lr={lr:g}); lower the learning rate{kept}")


def _global_mean(value: torch.Tensor, distributed: bool) -> float:
    if distributed:
        value = value.clone()
        dist.all_reduce(value)
        value /= dist.get_world_size()
    return float(value)


def _save(path, model, optimizer, scheduler, step, config, family, length, result):
    save_model(path, model, family, length, step, optimizer_state=optimizer.state_dict(),
               scheduler_state=scheduler.state_dict(), train_config=asdict(config), history=result.history)


#: TrainConfig fields a resumed run may change: how long it runs and how it reports.
_RESUMABLE = ("steps", "log_every", "checkpoint_every", "device")


def _restore(path, model, optimizer, scheduler, result, device, family, length, config, distributed) -> int:
    """Load a checkpoint of this same run and return its step (0 if there is none).

    Refuses, before any step, a checkpoint of another run: another architecture or model config,
    family, length, or training setting (every ``TrainConfig`` field but those in ``_RESUMABLE``),
    naming the field. Under DDP rank 0 reads the step and broadcasts it, so all ranks agree.
    """
    exists = os.path.exists(path)
    if distributed:  # every rank must take the same decision
        flag = torch.tensor([int(exists)], device=device if device.type == "cuda" else "cpu")
        dist.broadcast(flag, 0)
        exists = bool(flag.item())
    if not exists:
        return 0
    content = read_checkpoint(path, device)
    saved_train = content.get("train_config") or {}
    expected = {"arch": model.arch, "model_config": model.config.to_dict(), "family": family_record(family),
                "length": length}
    for key, value in expected.items():
        if content.get(key) != value:
            raise InvalidInput(f"checkpoint {str(path)!r} is of another run: its {key} is {content.get(key)!r}, "
                               f"this run's is {value!r}; use another output folder, or train without --resume")
    current = asdict(config)
    for key in sorted(set(current) | set(saved_train)):
        if key not in _RESUMABLE and saved_train.get(key) != current.get(key):
            raise InvalidInput(f"checkpoint {str(path)!r} is of another run: its training setting {key} is "
                               f"{saved_train.get(key)!r}, this run's is {current.get(key)!r}")
    model.load_state_dict(content["model_state"])
    optimizer.load_state_dict(content["optimizer_state"])
    scheduler.load_state_dict(content["scheduler_state"])
    result.history[:] = content["history"]
    step = int(content["step"])
    if distributed:
        shared = torch.tensor([step], device=device if device.type == "cuda" else "cpu")
        dist.broadcast(shared, 0)
        step = int(shared.item())
    return step
