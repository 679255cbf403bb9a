"""The L²M sweep as a plain-text table."""

from __future__ import annotations


def summary_lines(table: dict) -> list[str]:
    """A plain-text table of the runs."""
    lines = [f"{'family':<13} {'L':>6} {'model':<16} {'state dim':>10} {'I(L/2;L)':>9} {'KL/token':>9} {'± se':>7} "
             f"{'R(D)':>8} {'KL 2nd half':>11} {'no history':>10} {'tok/s':>8}"]
    for r in table["rows"]:
        kl = "-" if r["mean_kl"] is None else f"{r['mean_kl']:.4f}"
        se = "-" if r["mean_kl_stderr"] is None else f"{r['mean_kl_stderr']:.4f}"
        mi = float("nan") if r["mi_half"] is None else r["mi_half"]
        lines.append(f"{r['family']:<13} {r['length']:>6} {r['label']:<16} {r['history_state_dim']:>10} {mi:>9.3f} "
                     f"{kl:>9} {se:>7} {r.get('linear_reference', float('nan')):>8.3f} "
                     f"{r.get('kl_second_half_total', float('nan')):>11.3f} {r.get('memoryless_kl', float('nan')):>10.4f} "
                     f"{r['tokens_per_second']:>8.0f}")
    return lines
