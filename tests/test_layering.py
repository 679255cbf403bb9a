"""The package is layered and imports point downwards only, with no exception and no import cycle.

Layers, bottom to top (docs/DESIGN.md):

    0  utilities   _checks, budget, errors, io, progress, protocols, registry, plotting, token_files, shards,
                   cluster (no other infoscale module)
    1  exact       pure mathematics: Gaussian log-determinants, Durbin–Levinson, the hierarchical
                   recursion, pair tables and enumeration codes, the MPS engine
    2  theory      scaling-law fits, the collapse scores, the linear-Gaussian reference, closed forms
    3  generators  sequence families
    4  nets        torch models, devices and threads, exact-KL training
    5  estimators  exact, sample-based and model-based estimators (the model-based ones take any
                   model, so they sit above the models)
    6  studies     the experiments: L²M, estimator validation, LM-MI of text
    7  cli         the command line

A module may import its own layer and the layers below it, and a study no other study. Every import counts, also one inside
a function: a lazy import that goes upwards is a hidden cycle.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "infoscale"
UTILITIES = {"_checks", "budget", "errors", "io", "progress", "protocols", "registry", "plotting", "token_files", "shards",
             "cluster"}
LEVEL = {"exact": 1, "theory": 2, "generators": 3, "nets": 4, "estimators": 5, "studies": 6, "cli": 7}
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return 8  # the package itself: infoscale/__init__.py re-exports from above
    if parts[1] in UTILITIES:
        return 0
    assert parts[1] in LEVEL, f"{module} belongs to no layer; add it to docs/DESIGN.md and this test"
    return LEVEL[parts[1]]


def imports(path: Path):
    """Every infoscale module imported by ``path`` (anywhere in it), resolving ``from a import b``
    to the submodule ``a.b`` where one exists."""
    known = {module_name(p) for p in MODULES}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("infoscale"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield sub if sub in known else node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("infoscale"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_downwards(path):
    here = module_name(path)
    for target in imports(path):
        assert layer(target) <= layer(here), f"{here} (layer {layer(here)}) imports {target} (layer {layer(target)})"


def test_utilities_import_no_other_infoscale_module():
    for name in UTILITIES:
        path = PACKAGE / f"{name}.py"
        assert {t.split(".")[1] for t in imports(path)} <= UTILITIES, f"{name} imports a higher layer"


def test_no_import_cycle():
    graph = {module_name(p): set(imports(p)) - {module_name(p)} for p in MODULES}
    state: dict[str, int] = {}

    def visit(node, trail):
        if state.get(node) == 1:
            cycle = trail[trail.index(node):] + [node]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if state.get(node) == 2:
            return
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            visit(target, trail + [node])
        state[node] = 2

    for node in sorted(graph):
        visit(node, [])


def test_a_study_imports_no_other_study():
    for path in MODULES:
        here = module_name(path).split(".")
        if here[1:2] != ["studies"] or len(here) < 3:
            continue
        for target in imports(path):
            parts = target.split(".")
            if parts[1:2] == ["studies"] and len(parts) > 2:
                assert parts[2] == here[2], f"{'.'.join(here)} (study {here[2]}) imports {target}"
