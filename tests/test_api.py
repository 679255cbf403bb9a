"""The top-level API: every exported name resolves to the object its module defines, and
``import infoscale`` stays cheap (no sub-package, no torch, no scipy until a name is used)."""

import importlib
import subprocess
import sys

import pytest

import infoscale


@pytest.mark.parametrize("name", sorted(infoscale._EXPORTS))
def test_exported_names_are_the_modules_objects(name):
    module, _, attribute = infoscale._EXPORTS[name].partition(":")
    assert getattr(infoscale, name) is getattr(importlib.import_module(module), attribute or name)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        infoscale.no_such_thing  # noqa: B018


def test_subpackages_load_on_access():
    assert infoscale.studies.__name__ == "infoscale.studies"


def test_import_loads_nothing_heavy():
    code = ("import sys, infoscale; "
            "print(' '.join(m for m in sys.modules if m.startswith(('infoscale.', 'torch', 'scipy', 'matplotlib'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_make_family_through_the_top_level_registers_every_family():
    code = "import infoscale; print(len(infoscale.family_names())); infoscale.make_family('tree', k=2)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    from infoscale.generators import family_names
    assert int(out) == len(family_names()) >= 13
