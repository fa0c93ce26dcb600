"""The package type-checks: mypy, configured in pyproject.toml ([tool.mypy]), reports nothing.

mypy finds the package as ``podnet`` through the committed link ``.typing/podnet -> ../engine``
(the editable install's import hook is invisible to a static checker); the facade
(``podnet/__init__.py``) and the diagnosis model are checked strictly, the rest with mypy's defaults.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import ROOT

ENGINE = ROOT / "engine"
PACKAGES = sorted(p.parent for p in ENGINE.rglob("__init__.py"))


def _module_name(package_dir) -> str:
    return ".".join(("podnet", *package_dir.relative_to(ENGINE).parts))


def test_the_link_mypy_reads_is_the_engine_folder():
    link = ROOT / ".typing" / "podnet"
    assert link.is_symlink() and link.resolve() == ENGINE.resolve()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["packages"] == ["podnet"] and config["mypy_path"].endswith("/.typing")


def test_mypy_is_clean():
    assert importlib.util.find_spec("mypy"), "mypy is in the test extra: pip install -e '.[test]'"
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    report = (r.stdout + r.stderr).replace(".typing/podnet/", "engine/")
    assert r.returncode == 0 and report.strip() == "", f"mypy ({r.returncode}):\n{report}"


@pytest.mark.parametrize("package", PACKAGES, ids=_module_name)
def test_every_package_declares_all_and_every_name_in_it_exists(package):
    tree = ast.parse((package / "__init__.py").read_text())
    declared = [
        node for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
    ]
    assert declared, f"{package.relative_to(ROOT)}/__init__.py has no __all__"
    module = importlib.import_module(_module_name(package))
    names = list(module.__all__)
    assert len(names) == len(set(names)), "a name is listed twice"
    missing = [n for n in names if not hasattr(module, n)]
    assert missing == [], f"{module.__name__}.__all__ names what it does not have: {missing}"


def test_the_facade_gives_mypy_real_types_for_its_lazy_names():
    """Every lazily imported name of ``podnet`` is imported under TYPE_CHECKING, so that mypy types
    ``podnet.next_questions`` and the others as what they are, not as ``__getattr__``'s Any."""
    import podnet

    tree = ast.parse((ENGINE / "__init__.py").read_text())
    typed: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for sub in node.body:
                if isinstance(sub, ast.ImportFrom):
                    typed |= {a.asname or a.name for a in sub.names}
    lazy = set(podnet._LAZY)
    assert lazy - typed == set()
    assert lazy <= set(podnet.__all__)
