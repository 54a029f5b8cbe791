"""The import rules that keep the layers apart, read from every module's syntax tree (see
ARCHITECTURE.md). A rule broken anywhere fails with the file, the line and the import."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("bot", "handlers", "storage")
# `convene demo` runs the stand-ins, so the CLI may load them: only inside that command, and
# only when it runs, so nothing else in the product ever has them in memory.
DEMO_COMMAND = ("bot/app/cli.py", "cmd_demo")


def _modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def _imports(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line, imported module, name of the enclosing top-level function or None)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for top in tree.body:
        function = top.name if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) else None
        for node in ast.walk(top):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield node.lineno, alias.name, function
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield node.lineno, node.module, function
                # `from bot import x` names modules too: check them as `bot.x`.
                for alias in node.names:
                    yield node.lineno, f"{node.module}.{alias.name}", function


def _under(module: str, *roots: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def _where(path: Path, line: int, module: str) -> str:
    return f"{path.relative_to(ROOT)}:{line} imports {module}"


def test_handlers_hold_no_queries_they_reach_storage_only_through_feature_services() -> None:
    broken = [
        _where(path, line, module)
        for path in _modules("handlers")
        for line, module, _ in _imports(path)
        if _under(module, "storage", "sqlmodel")
    ]
    assert broken == []


def test_only_the_app_wiring_imports_handlers() -> None:
    broken = [
        _where(path, line, module)
        for path in _modules("bot")
        if not path.is_relative_to(ROOT / "bot" / "app")
        for line, module, _ in _imports(path)
        if _under(module, "handlers")
    ]
    assert broken == []


def test_product_code_never_imports_the_stand_ins_except_the_demo_command_when_it_runs() -> None:
    broken = [
        _where(path, line, module)
        for path in _modules(*PRODUCT)
        for line, module, function in _imports(path)
        if _under(module, "standins") and (path.relative_to(ROOT).as_posix(), function) != DEMO_COMMAND
    ]
    assert broken == []


def test_the_rules_see_imports_at_every_depth(tmp_path: Path) -> None:
    # A check that could not see a lazy import would pass for the wrong reason.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import storage.models\nfrom bot import handlers_like\n\n"
        "def f() -> None:\n    if True:\n        from standins.demo import run\n",
        encoding="utf-8",
    )
    found = list(_imports(sample))
    assert (1, "storage.models", None) in found
    assert (2, "bot.handlers_like", None) in found
    assert (6, "standins.demo", "f") in found
