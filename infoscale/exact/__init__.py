"""Pure mathematics at the bottom of the package: exact kernels that families and estimators share.

Nothing here imports a family, an estimator or torch (``docs/DESIGN.md``, "Layers"):
``gaussian`` (log-determinants, Gaussian MI, canonical correlations), ``toeplitz``
(Durbin–Levinson), ``hierarchical`` (the paper's construction and its half-cut recursion),
``discrete`` (pair tables, sequence codes, enumeration) and ``mps`` (the MPS engine).
"""
