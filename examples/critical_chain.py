"""Example 4: the critical transverse-field Ising chain as a matrix product state (MPS).

The ground state ψ of H = −Σ σᶻσᶻ − g Σ σˣ at the critical field g = 1 (quimb's DMRG, bond
dimension χ) measured in the σᶻ basis is a Born machine p(x) = ψ(x)²: the ``ising`` family.
Three measures of what the first half knows about the second, vs L (cut at L/2):

- the entanglement entropy S of ψ (``entanglement_entropy``): Calabrese–Cardy gives
  S = (c/6) ln L + const at the middle of an open chain, so 6 × the log-law slope estimates the
  central charge c = 1/2;
- the Shannon MI of p by exact-likelihood Monte Carlo with its standard error
  (``mc_mutual_information``), checked against exact enumeration where V^L is small;
- the Rényi-2 MI of p, exact for any L by contracting the doubled network
  (``renyi2_mutual_information``).

All three grow as ln L (a log law). The bond dimension a faithful MPS needs grows with L too: for
ψ, the fewest Schmidt values at the middle cut whose discarded weight is ≤ 1e-8; for the
distribution p itself, the largest TT-SVD rank over cuts at relative error ≤ 1e-6
(``tt_bond_dimensions``; it enumerates V^L, so small L only).

    python examples/critical_chain.py            # L = 8 … 256, χ = 32, 20 000 samples (a few minutes)
    python examples/critical_chain.py --quick    # L = 8, 16, 32, χ = 16, 2 000 samples

Writes ``critical_chain.png`` (MI and entropy vs L; bond dimension vs L) and ``critical_chain.json``.
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from _common import example_args
from infoscale import fit_scaling_law, make_family
from infoscale.estimators.monte_carlo import mc_mutual_information
from infoscale.estimators.tensor_network import (
    entanglement_entropy,
    renyi2_mutual_information,
    schmidt_spectra,
    tt_bond_dimensions,
)
from infoscale.io import save_figure, write_json
from infoscale.plotting import plt

SCHMIDT_TOL = 1e-8  # discarded Schmidt weight allowed at the middle cut
TT_TOL = 1e-6  # relative Frobenius error allowed for the probability table
EXACT_MAX_LENGTH = 16  # exact Shannon MI by enumeration of 2^L strings up to here


def needed_bond_dimension(schmidt_weights, tol: float) -> int:
    """Fewest Schmidt values (sorted, summing to 1) whose discarded weight is at most ``tol``."""
    kept = np.cumsum(np.sort(schmidt_weights)[::-1])
    return int(np.searchsorted(kept, 1.0 - tol) + 1)


def _figure(lengths, rows, fits, chi, tt_lengths, tt_ranks):
    """Left: the three information curves with their fits; right: the bond dimension each needs."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    grid = np.geomspace(lengths[0], lengths[-1], 100)
    for index, (key, label) in enumerate([("entropy", "entanglement entropy S(L/2)"),
                                          ("shannon_mc", "Shannon I(L/2; L), Monte Carlo"),
                                          ("renyi2", "Rényi-2 I₂(L/2; L), exact")]):
        err = rows["shannon_mc_stderr"] if key == "shannon_mc" else None
        left.errorbar(lengths, rows[key], yerr=err, fmt="o", capsize=3, color=f"C{index}",
                      label=f"{label} (fit: {fits[key].law} law)")
        left.plot(grid, fits[key].predict(grid), "-", color=f"C{index}", alpha=0.6)
    exact = [(L, v) for L, v in zip(lengths, rows["shannon_exact"]) if v is not None]
    left.plot(*zip(*exact), "kx", label="Shannon I, exact enumeration")
    left.set(xscale="log", xlabel="chain length L", ylabel="nats", title=f"critical Ising chain (g = 1, χ = {chi})")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7)
    right.plot(lengths, rows["chi_needed"], "o-", label=f"ψ: Schmidt values, discarded weight ≤ {SCHMIDT_TOL:g}")
    right.plot(tt_lengths, tt_ranks, "s-", label=f"p: TT-SVD rank, rel. error ≤ {TT_TOL:g} (largest cut)")
    right.plot(tt_lengths, [2 ** (L // 2) for L in tt_lengths], "k:", lw=1, label="ceiling V^(L/2) of any p")
    right.set(xscale="log", yscale="log", xlabel="chain length L", ylabel="bond dimension needed",
              title="bond dimension (history state) needed vs L")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig


def main(argv=None) -> dict:
    args = example_args(__doc__, argv, quiet=True)
    if args.quick:
        lengths, chi, samples, tt_lengths = [8, 16, 32], 16, 2_000, [4, 6, 8, 10]
    else:
        lengths, chi, samples, tt_lengths = [8, 16, 32, 64, 128, 256], 32, 20_000, list(range(4, 21, 2))
    family = make_family("ising", field=1.0, basis="z", chi=chi)
    rng = np.random.default_rng(0)

    rows = {key: [] for key in ("entropy", "renyi2", "shannon_mc", "shannon_mc_stderr", "shannon_exact", "chi_needed")}
    for L in tqdm(lengths, desc="ising g=1", disable=args.quiet):
        rows["entropy"].append(float(entanglement_entropy(family, L)[L // 2 - 1]))  # cut after L/2 sites
        rows["renyi2"].append(renyi2_mutual_information(family, L // 2, L).value)
        mc = mc_mutual_information(family, L // 2, L, n_samples=samples, rng=rng)
        rows["shannon_mc"].append(mc.value)
        rows["shannon_mc_stderr"].append(mc.stderr)
        rows["shannon_exact"].append(family.bipartite_mi(L // 2, L) if L <= EXACT_MAX_LENGTH else None)
        rows["chi_needed"].append(needed_bond_dimension(schmidt_spectra(family, L)[L // 2 - 1], SCHMIDT_TOL))
        print(f"L={L:>4}  S={rows['entropy'][-1]:.5f}  Shannon MI={mc.value:.5f} ± {mc.stderr:.5f}"
              + (f" (exact {rows['shannon_exact'][-1]:.5f})" if L <= EXACT_MAX_LENGTH else "")
              + f"  Renyi-2 MI={rows['renyi2'][-1]:.5f}  chi(psi, {SCHMIDT_TOL:g})={rows['chi_needed'][-1]}")
    fits = {"entropy": fit_scaling_law(lengths, rows["entropy"]),
            "shannon_mc": fit_scaling_law(lengths, rows["shannon_mc"], stderr=rows["shannon_mc_stderr"]),
            "renyi2": fit_scaling_law(lengths, rows["renyi2"])}
    central_charge = 6 * fits["entropy"].fits["log"].params["c"]
    tt_ranks = [max(tt_bond_dimensions(family, L, tol=TT_TOL))
                for L in tqdm(tt_lengths, desc="TT-SVD", disable=args.quiet)]
    for name, fit in fits.items():
        print(f"{name:>11}: {fit.describe()}")
    print(f"central charge from S = (c/6) ln L + const: c = {central_charge:.4f} (exact 1/2)")
    print(f"TT rank of p (rel. error {TT_TOL:g}), largest over cuts: "
          + ", ".join(f"L={L}: {r}" for L, r in zip(tt_lengths, tt_ranks)))

    fig = _figure(lengths, rows, fits, chi, tt_lengths, tt_ranks)
    save_figure(fig, args.out / "critical_chain.png")
    summary = {"example": "critical_chain", "quick": args.quick, "params": family.params, "lengths": lengths,
               "n_samples": samples, **rows, "fits": fits, "central_charge": central_charge,
               "schmidt_tol": SCHMIDT_TOL, "tt_tol": TT_TOL, "tt_lengths": tt_lengths, "tt_max_rank": tt_ranks}
    write_json(args.out / "critical_chain.json", summary)
    print(f"wrote {args.out / 'critical_chain.png'} and {args.out / 'critical_chain.json'}")
    return summary


if __name__ == "__main__":
    main()
