"""The import rules: no cycles between kpiscore's modules, no import hidden inside a function to break one,
and a core that knows no files, no terminal and no writer."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "src" / "kpiscore"
#: the pure core: scheme-free arithmetic, rules, engine, grading, lint and the message catalog
CORE = {"values", "rules", "engine", "lint", "errors", "i18n", "analysis", "rollup"}
#: what the core may not import: the face, the file formats, and the libraries behind them
FACE_AND_FILES = {"cli", "console", "api", "batch", "readers", "sheets", "workbook", "template", "output", "yamlio",
                  "decode", "isolate"}
LIBRARIES = {"typer", "rich", "xlsxwriter", "openpyxl", "python_calamine", "defusedxml", "yaml", "csv", "zipfile"}
PANDAS_IO = {"read_csv", "read_excel", "read_json", "to_csv", "to_excel", "to_json"}


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported name, inside a function) for every import of a module: kpiscore modules by their short
    name, other packages by their top-level name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
              for n in ast.walk(f) if n is not f}
    found = []
    for node in ast.walk(tree):
        inner = id(node) in nested
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
                found += [(name.split(".")[0], inner) for name in names]
            elif node.module:
                found.append((node.module.split(".")[0], inner))
        elif isinstance(node, ast.Import):
            found += [(a.name.split(".")[0], inner) for a in node.names]
    return found


MODULES = {p.stem: imports(p) for p in PACKAGE.glob("*.py")}
GRAPH = {m: {name for name, _ in found if name in MODULES and name != m} for m, found in MODULES.items()}


def test_no_cycles():
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(GRAPH[module] - {"__init__"}):
            assert state.get(other) != 1, " → ".join([*path, other])
            if other not in state:
                visit(other, [*path, other])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def test_no_module_imports_the_package_itself():
    assert all("__init__" not in deps and "kpiscore" not in {n for n, _ in MODULES[m]} for m, deps in GRAPH.items()
               if m != "__init__")


def test_no_kpiscore_import_inside_a_function():
    hidden = {m: [n for n, inner in found if inner and n in MODULES] for m, found in MODULES.items()}
    assert {m: names for m, names in hidden.items() if names} == {}


def test_the_core_knows_no_files_terminal_or_writer():
    for module in CORE:
        names = {n for n, _ in MODULES[module]}
        assert not names & FACE_AND_FILES, (module, names & FACE_AND_FILES)
        assert not names & LIBRARIES, (module, names & LIBRARIES)
        tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
        calls = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not calls & PANDAS_IO, (module, calls & PANDAS_IO)


def test_the_command_line_goes_through_the_api():
    assert GRAPH["cli"] <= {"api", "console", "errors", "i18n", "scheme", "version"}, GRAPH["cli"]
