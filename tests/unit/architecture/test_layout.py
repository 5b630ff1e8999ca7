"""The layout keeps its promises: no module imports another's private name, and no module
outside the tests grows past what a newcomer reads in one sitting. The layers themselves are
import-linter's contracts in pyproject.toml, checked by `make lint`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("flow", "access", "projections", "boards", "fixtures")
#: STYLE.md: modules of 50-300 lines, split by concept past about 350; none past 400.
MOST_LINES = 400


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def private_imports(source: str, here: str) -> list[str]:
    """`from other.module import _name` in the module `here`: names their module keeps to
    itself. A module may import its own (`here`) and dunder names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom) or node.module is None or node.level:
            continue
        if node.module.split(".")[0] not in PACKAGES or node.module == here:
            continue
        found += [
            f"{node.module}.{alias.name}"
            for alias in node.names
            if alias.name.startswith("_") and not alias.name.startswith("__")
        ]
    return found


def test_the_modules_are_found() -> None:
    assert len(modules()) > 100
    assert ROOT / "boards" / "app.py" in modules()


def test_a_private_import_is_seen() -> None:
    source = "from boards.shapes import _hidden, public\nfrom boards.web.schemas import _own\n"
    assert private_imports(source, "boards.web.problems") == [
        "boards.shapes._hidden",
        "boards.web.schemas._own",
    ]
    assert private_imports(source, "boards.web.schemas") == ["boards.shapes._hidden"]
    assert private_imports("from typing import _T\nfrom flow import __doc__\n", "flow.x") == []


@pytest.mark.parametrize("path", modules(), ids=module_name)
def test_no_module_imports_another_modules_private_name(path: Path) -> None:
    assert private_imports(path.read_text("utf-8"), module_name(path)) == []


@pytest.mark.parametrize("path", modules(), ids=module_name)
def test_no_module_is_past_400_lines(path: Path) -> None:
    lines = len(path.read_text("utf-8").splitlines())
    assert lines <= MOST_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by concept"


def test_no_two_test_modules_share_a_name() -> None:
    """The tests are no package (pytest's rootdir-based names): two modules of one name in
    two folders of one run (`make test`'s paths) make the second fail to collect, and only a
    clean checkout shows it."""
    names: dict[str, list[str]] = {}
    run = ("unit", "integration", "browser")
    for path in sorted(p for folder in run for p in (ROOT / "tests" / folder).rglob("test_*.py")):
        names.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}


def test_no_test_module_sits_at_the_top_of_a_suite() -> None:
    """pytest puts the folder of a test module on `sys.path`; at the top of `tests/unit` that
    folder holds `boards/` and `flow/` test folders, which a process a test spawns (the
    two-process races) then finds before the code's packages: `No module named
    'boards.hospital.ingest'`, a race that hangs for five minutes, in a full run only."""
    tops = [
        str(path.relative_to(ROOT))
        for folder in ("unit", "integration")  # the browser tests' folder holds no packages
        for path in (ROOT / "tests" / folder).glob("test_*.py")
    ]
    assert tops == []
