"""The floors of docs/ARCHITECTURE.md: a module imports from its own group and the floors below, never from a
floor above, not even inside a function; the groups of the middle floor do not import one another."""

import ast
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]

# Each group and the modules in it (a module belongs to the group of its longest matching prefix).
GROUPS = {
    "project": ["casualties"],
    "web": [
        "api",
        "reports.views",
        "reports.urls",
        "reports.admin",
        "reports.admin_review",
        "reports.admin_import",
        "reports.admin_release",
        "reports.management",
        "reports.middleware",
        "reports.page_cache",
        "reports.templatetags",
        "reports.apps",
    ],
    "forms": ["reports.forms", "reports.filters", "reports.history"],
    "importing": ["reports.importing"],
    "devdata": ["reports.devdata"],
    "figures": ["reports.figures", "reports.exports", "reports.releases", "reports.release_tables"],
    "models": ["reports.models", "reports.migrations"],
    "support": [
        "reports.iterables",
        "reports.log",
        "reports.roles",
        "reports.security",
        "reports.db_router",
        "reports.backup",
        "reports.locale_formats",
    ],
}
# The table of docs/ARCHITECTURE.md: what each group may import besides itself.
MAY_IMPORT = {
    "project": {"web", "forms", "importing", "devdata", "figures", "models", "support"},
    "web": {"forms", "importing", "devdata", "figures", "models", "support"},
    "forms": {"figures", "models", "support"},
    "importing": {"figures", "models", "support"},
    "devdata": {"figures", "models", "support"},
    "figures": {"models", "support"},
    "models": {"support"},
    "support": set(),
}
# Imports the rules forbid that the code still makes, each with why it is there and what removes it. A listed
# import that has gone fails the test too, so the list only shrinks.
KNOWN_EXCEPTIONS = set()


def module_name(path):
    parts = list(path.relative_to(REPOSITORY).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules():
    for root in ("reports", "casualties", "api"):
        for path in sorted((REPOSITORY / root).rglob("*.py")):
            yield module_name(path), path


MODULES = dict(project_modules())


def group_of(module):
    matches = [
        (len(prefix), group)
        for group, prefixes in GROUPS.items()
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1] if matches else None


def imported_modules(module, path):
    """The project modules `module` imports, anywhere in it (inside functions too): (line, module) pairs."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from reports.figures import tallies` imports the module reports.figures.tallies; `from
            # reports.models import Incident` imports the package reports.models.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in ("reports", "casualties", "api"):
                yield node.lineno, name


def forbidden_imports(modules=MODULES):
    """(module, imported module, where) for each import the table does not allow."""
    found = set()
    for module, path in modules.items():
        group = group_of(module)
        for line, imported in imported_modules(module, path):
            target = group_of(imported)
            if target is None or target == group or target in MAY_IMPORT[group]:
                continue
            found.add((module, imported, f"{module} (line {line}): {group} imports {target}"))
    return found


def test_every_module_has_a_floor():
    assert [module for module in MODULES if group_of(module) is None and module != "reports"] == []


def test_no_module_imports_from_a_floor_above_or_a_neighbouring_group():
    found = sorted(
        where for module, imported, where in forbidden_imports() if (module, imported) not in KNOWN_EXCEPTIONS
    )
    assert found == [], "imports docs/ARCHITECTURE.md does not allow:\n" + "\n".join(found)


def test_every_known_exception_still_exists():
    made = {(module, imported) for module, imported, _where in forbidden_imports()}
    assert KNOWN_EXCEPTIONS - made == set(), "these imports have gone: delete them from KNOWN_EXCEPTIONS"


def test_the_check_finds_imports_inside_functions_and_relative_ones(tmp_path):
    late = tmp_path / "late.py"
    late.write_text("def recount():\n    from reports.figures import tallies\n    from ..views import public\n")
    found = forbidden_imports({"reports.models.late": late})
    imported = sorted(imported for _module, imported, _where in found)
    assert imported == ["reports.figures.tallies", "reports.views.public"]
    assert sorted(where.split(": ")[1] for *_pair, where in found) == ["models imports figures", "models imports web"]
