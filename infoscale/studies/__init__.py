"""Studies: the experiments built on the layers below, one package per study.

- ``l2m``: the L²M experiment (train models of several history-state sizes, evaluate them
  exactly, score the collapse of KL onto I(L/2; L)/D and the state law);
- ``validation``: every sample-based estimator against the exact MI of every family;
- ``lm_mi``: bipartite MI of real text with a pretrained language model (loader, text cutting,
  curve, report).

A study may import every layer below it (nets, estimators, generators, theory, exact, the
utilities) and no other study; the command line (``infoscale.cli``) sits above the studies.
"""
