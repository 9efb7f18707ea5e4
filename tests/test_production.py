"""Relay as production runs it: DEBUG off, collectstatic's manifest, gunicorn."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The source-map comments the manifest storage follows (Django's own patterns, loosened to
# find the comment anywhere on a line): a missing target makes collectstatic fail.
SOURCE_MAP = re.compile(r"^\s*(?://|/\*)# sourceMappingURL=([^\s*]+)", re.MULTILINE)


def test_no_static_file_points_at_a_missing_source_map():
    missing = [
        f"{path.relative_to(ROOT)} -> {target}"
        for path in sorted((ROOT / "static").rglob("*"))
        if path.suffix in {".js", ".css"}
        for target in SOURCE_MAP.findall(path.read_text(errors="replace"))
        if not target.startswith("data:") and not (path.parent / target).exists()
    ]
    assert not missing, "Source maps that are not vendored: " + ", ".join(missing)
