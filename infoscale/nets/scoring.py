"""Token log-probabilities of a batch: how a torch model satisfies ``infoscale.protocols.AutoregressiveModel``.

``TokenScorer`` is a mixin for ``nn.Module`` subclasses whose ``forward`` follows the nets'
interface (position t predicted from tokens < t; logits (n, L, V) for discrete tokens, a
(mean, std) pair each (n, L, D) for continuous ones). It scores numpy arrays in batches without
gradients and returns float64 numpy arrays in nats, so model-based estimators take infoscale's
nets like any other model. ``block_log_prob`` runs the model on the block alone, from its start
state.
"""

from __future__ import annotations

import numpy as np
import torch

from infoscale._checks import check_block


class TokenScorer:
    """Mixin: ``token_log_probs(x)`` and ``block_log_prob(x, start, stop)`` through ``self(x)``."""

    #: Sequences per forward pass when scoring.
    score_batch_size: int = 256

    def token_log_probs(self, x) -> np.ndarray:
        """log q(x_t | x_<t) for every position, (n, L), float64."""
        x = np.asarray(x)
        try:
            device = next(self.parameters()).device
        except StopIteration:
            device = torch.device("cpu")
        was_training = self.training
        self.eval()
        out = []
        with torch.no_grad():
            for start in range(0, x.shape[0], self.score_batch_size):
                batch = x[start: start + self.score_batch_size]
                if self.discrete:
                    tokens = torch.as_tensor(batch, dtype=torch.long, device=device)
                    logp = torch.log_softmax(self(tokens).double(), dim=-1)
                    out.append(logp.gather(-1, tokens[..., None])[..., 0].cpu().numpy())
                else:
                    values = torch.as_tensor(batch, dtype=torch.float32, device=device)
                    mean, std = self(values)
                    logp = torch.distributions.Normal(mean.double(), std.double()).log_prob(values.double())
                    out.append(logp.sum(-1).cpu().numpy())
        self.train(was_training)
        return np.concatenate(out, axis=0)

    def block_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        """log q of x[:, start:stop] with the model run on the block from its start state, (n,)."""
        start, stop = check_block(start, stop, np.shape(x)[1])
        return self.token_log_probs(np.asarray(x)[:, start:stop]).sum(axis=1)
