"""Vendored assets are complete and unchanged: every file a stylesheet or script names is shipped.

With DEBUG=0 the manifest storage follows each `sourceMappingURL` and `url(...)`; one missing file
fails collectstatic, and then every HTML page answers 500.
"""
import hashlib
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "static"
VENDOR = STATIC / "vendor"
ROW = re.compile(r"^\| *[\w.-]+ *\| *[\w.-]+ *\| *(?P<file>[^ |]+) *\| *(?P<sha>[0-9a-f]{64}) *\|$", re.M)
SOURCE_MAP = re.compile(r"sourceMappingURL=([^\s*'\"]+)")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def _assets():
    return sorted(p for p in STATIC.rglob("*") if p.suffix in {".js", ".css"})


def test_every_vendored_file_is_listed_with_its_sha256():
    rows = {m["file"]: m["sha"] for m in ROW.finditer((VENDOR / "README.md").read_text())}
    shipped = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*")
               if p.is_file() and p.suffix in {".js", ".css", ".map"}}
    assert shipped == set(rows), "static/vendor/README.md must list every vendored .js/.css/.map"
    for name, sha in rows.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == sha, name


@pytest.mark.parametrize("path", _assets(), ids=lambda p: str(p.relative_to(STATIC)))
def test_every_referenced_file_is_shipped(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    names = SOURCE_MAP.findall(text)
    if path.suffix == ".css":
        names += CSS_URL.findall(text)
    for name in names:
        if name.startswith(("data:", "#", "http:", "https:", "//")):
            continue
        target = path.parent / name.split("?")[0].split("#")[0]
        assert target.is_file(), f"{path.relative_to(STATIC)} names {name}, which is not shipped"
