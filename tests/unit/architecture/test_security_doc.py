"""docs/security.md names, for each ASVS requirement, the tests that cover it: every test it
cites must exist, so the document cannot go on claiming a test that was renamed or removed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOCUMENT = ROOT / "docs" / "security.md"
#: A test module, then, after `::`, the test in it (or its class and the test).
CITATION = re.compile(r"(tests/[\w/]+\.py)((?:::\w+)*)")


def citations(text: str) -> list[str]:
    return [match.group(0) for match in CITATION.finditer(text)]


def missing(text: str, root: Path) -> list[str]:
    """The citations in `text` whose module is not under `root`, or that name no test in it."""
    return [cited for cited in citations(text) if not _exists(root, cited)]


def _exists(root: Path, cited: str) -> bool:
    path, *names = cited.split("::")
    module = root / path
    if not module.is_file():
        return False
    if not names:
        return True
    if not names[-1].startswith("test"):
        return False
    tree = ast.parse(module.read_text("utf-8"))
    if len(names) == 1:
        return names[0] in _functions(tree.body) | {
            name
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            for name in _functions(node.body)
        }
    if len(names) == 2:
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == names[0]]
        return any(names[1] in _functions(c.body) for c in classes)
    return False


def _functions(body: list[ast.stmt]) -> set[str]:
    return {n.name for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_test_the_document_cites_exists() -> None:
    text = DOCUMENT.read_text("utf-8")
    assert len(citations(text)) > 100, "the document cites tests as path::test_name"
    assert missing(text, ROOT) == []


def test_a_citation_of_a_test_that_is_not_there_is_caught(tmp_path: Path) -> None:
    module = tmp_path / "tests" / "unit" / "test_example.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def test_alone():\n    pass\n\n\n"
        "def helper():\n    pass\n\n\n"
        "class TestGroup:\n    def test_inside(self):\n        pass\n",
        "utf-8",
    )
    cited = "tests/unit/test_example.py"
    held = [
        cited,
        f"{cited}::test_alone",
        f"{cited}::test_inside",
        f"{cited}::TestGroup::test_inside",
    ]
    broken = [
        f"{cited}::test_gone",
        f"{cited}::helper",
        f"{cited}::TestGroup::test_alone",
        f"{cited}::TestOther::test_inside",
        "tests/unit/test_elsewhere.py::test_alone",
    ]
    text = "\n".join(f"| 1.2.3 | 1 | words | test | `{c}` |" for c in held + broken)

    assert citations(text) == held + broken
    assert missing(text, tmp_path) == broken
