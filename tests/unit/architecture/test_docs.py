"""The README and docs/ stay honest: the README short, every relative link (and the heading
it points at) there, every setting and every command of the command line documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main
from typer.core import TyperGroup

from boards.cli.main import cli
from boards.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
OPERATIONS = ROOT / "docs" / "operations.md"
#: The README stays a front page: what it is, the two commands, the map, the links.
MOST_README_LINES = 220

#: `[text](target)`; the text may run over lines, the target has no space.
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)


def documents(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md")), root / "docker/README.md"]


def anchor(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation gone, spaces dashes."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def broken_links(document: Path, root: Path) -> list[str]:
    """The relative links of `document` to no file under `root`, or to no heading there."""
    broken = []
    for target in _LINK.findall(_FENCE.sub("", document.read_text("utf-8"))):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: not ours to check
            continue
        path, _, fragment = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        if not linked.is_relative_to(root.resolve()) or not linked.is_file():
            broken.append(target)
        elif fragment and linked.suffix == ".md":
            headings = _HEADING.findall(_FENCE.sub("", linked.read_text("utf-8")))
            if fragment not in {anchor(h) for h in headings}:
                broken.append(target)
    return broken


def command_lines(group: TyperGroup, prefix: str = "pasientflyt") -> list[str]:
    """Every command of the command line as typed: `pasientflyt users add`, …"""
    lines = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, TyperGroup):
            lines.extend(command_lines(command, f"{prefix} {name}"))
        else:
            lines.append(f"{prefix} {name}")
    return lines


def test_the_readme_stays_short() -> None:
    lines = README.read_text("utf-8").count("\n")
    assert lines < MOST_README_LINES, f"README.md has {lines} lines; move detail to docs/"


def test_every_relative_link_leads_to_a_file_and_heading_of_the_repository() -> None:
    checked = documents(ROOT)
    assert all(d.is_file() for d in checked)
    assert {d.name for d in checked} >= {
        "architecture.md",
        "operations.md",
        "integration.md",
        "benchmarks.md",
    }
    assert {str(d.relative_to(ROOT)): broken_links(d, ROOT) for d in checked} == {
        str(d.relative_to(ROOT)): [] for d in checked
    }


def test_a_link_to_a_missing_file_or_heading_is_caught(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "there.md").write_text("# There\n\n## Keys and their rotation\n")
    (tmp_path / "secret.txt").write_text("outside the repository\n")
    repository = tmp_path / "repo"
    (repository / "docs").mkdir(parents=True)
    (repository / "docs" / "there.md").write_text("# There\n\n## Keys and their rotation\n")
    document = repository / "README.md"
    document.write_text(
        "[ok](docs/there.md) [ok](docs/there.md#keys-and-their-rotation) [ok](#here)\n"
        "[web](https://example.org/gone) ![a picture over\ntwo lines](docs/there.md)\n"
        "[gone](docs/gone.md) [no heading](docs/there.md#keys) [out](../secret.txt)\n"
        "```\n[in code](docs/ignored.md)\n```\n\n## Here\n"
    )

    assert broken_links(document, repository) == [
        "docs/gone.md",
        "docs/there.md#keys",
        "../secret.txt",
    ]


def test_anchors_are_made_as_github_makes_them() -> None:
    assert anchor("Backup and restore") == "backup-and-restore"
    assert anchor("Files, and the demo day of messages") == "files-and-the-demo-day-of-messages"
    assert anchor("Emergency access (nødtilgang)") == "emergency-access-nødtilgang"


def test_every_setting_is_in_the_operations_guide() -> None:
    text = OPERATIONS.read_text("utf-8")
    variables = [f"PASIENTFLYT_{name.upper()}" for name in Settings.model_fields]
    assert len(variables) > 20
    assert [v for v in variables if not re.search(rf"\b{v}\b", text)] == []


def test_every_command_is_in_the_operations_guide_or_the_readme() -> None:
    text = OPERATIONS.read_text("utf-8") + README.read_text("utf-8")
    commands = command_lines(typer.main.get_group(cli))
    assert {"pasientflyt serve", "pasientflyt users token", "pasientflyt keys rotate"} <= set(
        commands
    )
    assert [c for c in commands if not re.search(rf"{re.escape(c)}\b", text)] == []
