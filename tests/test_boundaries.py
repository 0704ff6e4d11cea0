"""The apps' dependencies point one way: agencies, at the bottom, imports no other app of ConductEval.

The one exception is the scoring method itself (`scoring.method`): a pure package, importable without Django
(tests/scoring/test_method_pure.py), whose scheme defaults the agencies app validates against.
"""
import ast
from pathlib import Path

from django.conf import settings

OTHERS = {"surveys", "scoring", "rectification", "inspections", "demo", "<dynamic import>"}
PURE = ("scoring.method",)


def _is_pure(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in PURE)


def _imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names if not _is_pure(alias.name)}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and not _is_pure(node.module):
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            names.add("<dynamic import>")
    return names


def test_agencies_imports_no_other_app():
    offending = {str(path.relative_to(settings.BASE_DIR)): sorted(_imported_top_levels(path) & OTHERS)
                 for path in (Path(settings.BASE_DIR) / "agencies").rglob("*.py")}
    assert {path: names for path, names in offending.items() if names} == {}


def test_role_checks_are_asked_of_agencies_access_only():
    """No app compares roles itself (a private copy drifts): pages, API views and services ask agencies.access."""
    import re

    comparison = re.compile(r"effective_role\s*(==|!=|in\b|not in\b)|role_of\([^)]*\)\s*(==|!=|in\b|not in\b)"
                            r"|\buser\.role\s*(==|!=)")
    found = []
    for app in ("surveys", "scoring", "rectification", "inspections", "conduct_eval", "demo"):
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if comparison.search(line):
                    found.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")
    assert found == []
