"""``infoscale estimate --model CKPT``: the model-based bipartite MI curve and the model's own fit quality.

A model-based estimate is only as good as the model: the direct estimator's error is of the
order of the model's excess loss on the second block, Σ_{t ≥ ℓ} KL_t (its conditional part is
exactly that short of the truth). So the curve is printed beside the model's fit quality — the
exact KL per token on the family the checkpoint was trained on, where that family gives its
exact conditionals, else the NLL per token on the data — and an under-trained model is flagged.
"""

from __future__ import annotations

import numpy as np

from infoscale.errors import InvalidInput
from infoscale.progress import bar

#: The model is flagged when its excess loss on the second block is more than this fraction of
#: the direct estimate at the same L (that loss is the scale of the estimate's error).
UNDERTRAINED_FRACTION = 0.1


def load_checked_model(args, x):
    """The checkpoint of --model, refused unless it takes the tokens of the data."""
    from infoscale.nets.checkpoint import load_model

    model = load_model(args.model)
    if model.discrete != np.issubdtype(x.dtype, np.integer):
        raise InvalidInput(f"the model takes {'discrete' if model.discrete else 'continuous'} tokens but "
                           f"{args.file} holds {x.dtype} values")
    vocab, dims = model.config.vocab_size, model.config.token_dim
    if model.discrete and x.size and (int(x.min()) < 0 or int(x.max()) >= vocab):
        raise InvalidInput(f"--model {args.model!r} knows tokens 0..{vocab - 1}, but {args.file} holds tokens "
                           f"{int(x.min())}..{int(x.max())}")
    if not model.discrete and (x.shape[-1] if x.ndim == 3 else 1) != dims:
        raise InvalidInput(f"--model {args.model!r} takes tokens of dimension {dims}, but {args.file} holds "
                           f"samples shaped {x.shape}")
    return model


def model_curve(args, model, x) -> dict:
    """Model-based bipartite MI curve of the data (rows of up to --max-length tokens), with ``fit_quality``."""
    from infoscale.estimators.model_based import model_mi_curve

    if x.ndim == 1:
        width = min(args.max_length, x.size // 2)
        if width < 4:
            raise InvalidInput(f"{args.file} is too short to cut into two rows of at least 4 tokens")
        x = x[: (x.size // width) * width].reshape(-1, width)
    x = x[:, : args.max_length]
    with bar("model MI", not args.quiet, unit="L") as progress:
        curve = model_mi_curve(model, x, progress=progress)
    direct = {length: row["value"] for length, row in zip(curve["lengths"], curve["direct"])}
    return {**curve, "fit_quality": fit_quality(model, x, direct)}


def fit_quality(model, x, direct: dict) -> dict:
    """How well the model fits, and a ``warning`` when it is too poor for its MI estimates.

    ``direct`` maps each L of the curve to its direct estimate. With the training family known and
    exact: its exact KL per token at the largest admissible L (256 fresh samples), flagged when the
    KL summed over the second half exceeds ``UNDERTRAINED_FRACTION`` of the estimate there.
    Otherwise the NLL per token on the data, flagged (discrete tokens) when it is no better than
    the plug-in entropy of the data's token frequencies.
    """
    from infoscale.nets.evaluate import evaluate

    family = _training_family(model)
    lengths = [length for length in sorted(direct, reverse=True) if family is not None and _admits(family, length)]
    if lengths:
        length = lengths[0]
        ev = evaluate(model, family, length)
        excess, estimate = float(np.sum(ev.position_kl[length // 2:])), direct[length]
        warning = None
        if excess > UNDERTRAINED_FRACTION * abs(estimate):
            warning = (f"under-trained: its KL summed over the second half, {excess:.3g} nats, is more than "
                       f"{UNDERTRAINED_FRACTION:.0%} of the direct estimate {estimate:.3g} at L = {length}; "
                       "the MI estimates are off by that order")
        return {"measure": f"exact KL per token on its training family {family.name} at L = {length}",
                "kl_per_token": ev.mean_kl, "stderr": ev.mean_kl_stderr, "kl_second_half": excess,
                "nll_per_token": ev.mean_nll, "warning": warning}
    nll = -float(np.mean(model.token_log_probs(x)))
    out = {"measure": "NLL per token on the data (its training family unknown or without exact conditionals)",
           "nll_per_token": nll, "warning": None}
    if model.discrete:
        counts = np.bincount(np.asarray(x).ravel())
        p = counts[counts > 0] / counts.sum()
        out["token_entropy"] = float(-np.sum(p * np.log(p)))
        if nll >= out["token_entropy"]:
            out["warning"] = (f"under-trained: its NLL {nll:.4g} nats/token is no better than the data's token "
                              f"frequencies ({out['token_entropy']:.4g}); it has learned no dependence")
    return out


def print_bipartite(args, bip) -> None:
    print(f"model-based I(L/2; L) with {args.model}:")
    for length, direct, vclub in zip(bip["lengths"], bip["direct"], bip["vclub"]):
        print(f"  L={length:<6} direct {direct['value']:.5g} ± {direct['stderr']:.2g}   vCLUB {vclub['value']:.5g}")
    if bip["fit"] is not None:
        print(f"  fit of the direct curve: {bip['fit'].describe()}")
    quality = bip["fit_quality"]
    if "kl_per_token" in quality:
        text = f"KL {quality['kl_per_token']:.4g} ± {quality['stderr']:.2g} nats/token"
    else:
        text = f"NLL {quality['nll_per_token']:.4g} nats/token"
    print(f"  model fit: {text} ({quality['measure']})")
    if quality["warning"]:
        print(f"  WARNING: the model is {quality['warning']}")


def _training_family(model):
    """The family the checkpoint records it was trained on, if it gives exact conditionals; else None."""
    from infoscale.generators import make_family
    from infoscale.protocols import exact_conditionals

    record = (getattr(model, "checkpoint_info", None) or {}).get("family")
    if not record:
        return None
    try:
        family = make_family(record["name"], **record.get("params", {}))
    except (InvalidInput, KeyError, TypeError):
        return None
    return family if exact_conditionals(family) else None


def _admits(family, length: int) -> bool:
    try:
        family.check_length(length)
    except InvalidInput:
        return False
    return True
