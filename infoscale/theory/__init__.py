"""Theory: fits and closed forms, in float64 and nats, importing nothing above ``exact``.

- ``scaling``: area / log / power / volume fits of I(L) with model selection and goodness of fit;
  ``local_exponents``: successive-pair slopes and their drift;
- ``two_point``: I(d) as a power law, exponential decay or constant;
- ``collapse``: the L²M collapse scores and the state law D*(L) of a sweep's rows;
- ``rate_distortion``: R(D), the least KL a D-float linear history can leave, and the memoryless KL;
- ``symbolic``: sympy closed forms of the hierarchical family.
"""
