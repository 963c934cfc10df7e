"""Write a pair of `.po` catalogues (zh_CN, en) from a tab-separated list: key, Chinese, English.

Used by whoever adds words: `python -m api.pages.catalogue AREA < words.tsv`. The `.po` files
are the source of truth; this only saves typing each message twice.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from api.pages.i18n import CATALOGUES


def add(area: str, rows: list[tuple[str, str, str]], folder: Path = CATALOGUES) -> None:
    for column, locale in ((1, "zh_CN"), (2, "en")):
        path = folder / locale / f"{area}.po"
        if path.exists():
            with path.open("rb") as source:
                catalogue = read_po(source, locale=locale)
        else:
            catalogue = Catalog(locale=locale, project="youthcare", domain=area)
        for row in rows:
            catalogue.add(row[0], row[column])
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as target:
            write_po(target, catalogue, width=0, omit_header=False, sort_output=True)


def main() -> None:
    rows = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 3:
            raise SystemExit(f"line {number}: want key<TAB>Chinese<TAB>English, got {line!r}")
        rows.append((parts[0], parts[1], parts[2]))
    add(sys.argv[1], rows)


if __name__ == "__main__":
    main()
