"""Scaling-law fits, the L²M bounds, history-state accounting and symbolic results."""
