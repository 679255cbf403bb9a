"""The sub-packages depend downwards only: nets → estimators → generators → theory.

One deliberate exception: generators know their own exact MI through the estimators' exact
*kernels* (Gaussian log-determinants, the Levinson recursion, pair-table MI, the hierarchical
recursion), which are leaf modules that import no generator module at import time.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "infoscale"
LEVEL = {"theory": 0, "generators": 1, "estimators": 2, "nets": 3}
KERNELS = {"infoscale.estimators.gaussian", "infoscale.estimators.toeplitz", "infoscale.estimators.two_point",
           "infoscale.estimators.hierarchical", "infoscale.estimators.result"}
# The hierarchical recursion reads the family's construction constants; the family imports it lazily.
LEAF_KERNELS = KERNELS - {"infoscale.estimators.hierarchical"}


def module_imports(path: Path, top_level_only: bool):
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("infoscale."):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("infoscale."))


@pytest.mark.parametrize("path", sorted(p for sub in LEVEL for p in (PACKAGE / sub).glob("*.py")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_imports_point_downwards(path):
    level = LEVEL[path.parent.name]
    for module in module_imports(path, top_level_only=False):
        target = module.split(".")[1]
        if target not in LEVEL or module in KERNELS and level >= LEVEL["generators"]:
            continue
        assert LEVEL[target] <= level, f"{path.parent.name}/{path.name} imports {module} (upwards)"


@pytest.mark.parametrize("kernel", sorted(LEAF_KERNELS))
def test_kernels_import_no_generator_at_import_time(kernel):
    path = PACKAGE / (kernel.split(".", 1)[1].replace(".", "/") + ".py")
    assert not [m for m in module_imports(path, top_level_only=True) if m.startswith("infoscale.generators")]
