"""`pasientflyt` as a release that raised the versions of the read models it is given, in
what else the same: what a rolling upgrade starts beside the running release's servers.

    python -m support.newer_models flow_cards,task_list serve --port 8001

The versions are raised before the models' tables are declared, as a new release's code
would declare them.
"""

from __future__ import annotations

import sys

from projections import versions


def main() -> None:
    models, *arguments = sys.argv[1:]
    for model in models.split(","):
        versions.VERSIONS[model] += 1
    from boards.cli.main import main as pasientflyt

    sys.argv = ["pasientflyt", *arguments]
    pasientflyt()


if __name__ == "__main__":
    main()
