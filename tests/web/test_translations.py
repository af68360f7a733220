"""Chinese is the default language: every English sentence the code marks has a Chinese one.

The sentences are extracted from the code and templates as `make messages` does, so a new
`_()` without a translation fails here instead of showing English on a Chinese page.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "checkin" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def test_every_marked_sentence_has_a_chinese_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "--no-wrap",
                    "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as source:
        wanted = {message.id for message in read_po(source) if message.id}
    with CATALOG.open("rb") as source:
        catalog = read_po(source)
    translated = {message.id for message in catalog
                  if message.id and message.string and not message.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert missing == [], f"{len(missing)} sentences without Chinese; run make messages: {missing}"
