"""axe-core, vendored in tests/browser/vendor, run on a Playwright page for WCAG 2.1 A and AA.

The rules are those axe tags wcag2a, wcag2aa, wcag21a and wcag21aa: the success criteria of
WCAG 2.0 and 2.1 at levels A and AA (https://www.w3.org/TR/WCAG21/). A violation is reported
with its rule id, the elements it found (CSS selectors) and the page that explains the rule,
so that a failing assertion says what is wrong and where."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_SCRIPT = (
    Path(__file__).resolve().parent.parent / "browser" / "vendor" / f"axe-core-{AXE_VERSION}.min.js"
)
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_RUN = """async (tags) => {
    const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return results.violations.map((v) => ({
        id: v.id,
        impact: v.impact || '',
        help: v.help,
        helpUrl: v.helpUrl,
        targets: v.nodes.map((n) => n.target.join(' ')),
        summaries: v.nodes.map((n) => n.failureSummary || ''),
    }));
}"""


@dataclass(frozen=True)
class Violation:
    id: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]
    summaries: tuple[str, ...]

    def __str__(self) -> str:
        where = "; ".join(
            f"{target} ({_details(summary)})"
            for target, summary in zip(self.targets[:5], self.summaries[:5], strict=True)
        )
        more = f" and {len(self.targets) - 5} more" if len(self.targets) > 5 else ""
        return f"{self.id} [{self.impact}] {self.help} <{self.help_url}>: {where}{more}"


@cache
def _script() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[Violation]:
    """Inject axe-core into the page (once) and run the WCAG 2.1 A and AA rules on it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's devtools protocol, which the page's own Content Security
        # Policy (script-src 'self') does not govern: the page itself is left as it is.
        page.evaluate(_script())
    found: list[dict[str, Any]] = page.evaluate(_RUN, list(WCAG_21_AA))
    return [
        Violation(
            id=v["id"],
            impact=v["impact"],
            help=v["help"],
            help_url=v["helpUrl"],
            targets=tuple(v["targets"]),
            summaries=tuple(v["summaries"]),
        )
        for v in found
    ]


def _details(summary: str) -> str:
    """axe's failure summary without its headings ("Fix any of the following:")."""
    lines = (line.strip() for line in summary.splitlines())
    return " / ".join(line for line in lines if line and not line.startswith("Fix "))


def described(violations: list[Violation]) -> str:
    """One line for each violation, for an assertion's message."""
    return "\n".join(str(v) for v in violations)
