"""The import rules that keep the layers: the folders are the layers, and these tests keep them honest.

- `core/` (scheme, rules, engine, grading, …) is pure: it imports only `core` and `errors`, and no file,
  terminal or writer library, and no language: words come through a `Say` handed in (`core.say`).
- `words/` puts the core's numbers and facts into words: it reads the core and the catalog, never a file.
- `io/` (decoding, YAML, spreadsheets, writers) may use the core, never the face.
- the face (`cli`, `console`) reaches everything through `api`.
- no cycles. An import inside a function (to start up fast) is an edge like any other, and so is each
  name of the lazy API door (`api.WHERE`): neither can hide a cycle.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "src" / "kpiscore"
LIBRARIES = {"typer", "rich", "xlsxwriter", "openpyxl", "python_calamine", "defusedxml", "yaml", "csv", "zipfile",
             "shutil", "tempfile", "glob"}
PANDAS_IO = {"read_csv", "read_excel", "read_json", "to_csv", "to_excel", "to_json", "read_bytes", "read_text",
             "write_bytes", "write_text"}


def _name(path: Path) -> str:
    """`core.engine` for src/kpiscore/core/engine.py; `api` for src/kpiscore/api.py."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts)


FILES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def _package(module: str) -> list[str]:
    parts = module.split(".")
    return parts[:-1]


def imports(module: str) -> list[tuple[str, bool]]:
    """(imported name, inside a function) for every import of a module: kpiscore modules by their dotted
    name within the package, other packages by their top-level name."""
    tree = ast.parse(FILES[module].read_text(encoding="utf-8"))
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
              for n in ast.walk(f) if n is not f}
    found = []
    for node in ast.walk(tree):
        inner = id(node) in nested
        if isinstance(node, ast.ImportFrom) and node.level:
            base = _package(module)[: len(_package(module)) - (node.level - 1)]
            head = [*base, *(node.module.split(".") if node.module else [])]
            for alias in node.names:
                name = ".".join([*head, alias.name])
                found.append((name if name in FILES else ".".join(head) or "__init__", inner))
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module.split(".")[0], inner))
        elif isinstance(node, ast.Import):
            found += [(a.name.split(".")[0], inner) for a in node.names]
    return found


def _door(module: str) -> set[str]:
    """The modules a lazy door (`api`) imports names from on first use: the values of its WHERE table."""
    tree = ast.parse(FILES[module].read_text(encoding="utf-8"))
    tables = [n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
              and n.target.id == "WHERE"]
    return {v.value for t in tables if isinstance(t, ast.Dict) for v in t.values if isinstance(v, ast.Constant)}


MODULES = {m: imports(m) for m in FILES}
GRAPH = {m: {name for name, _ in found if name in FILES and name != m} | _door(m) for m, found in MODULES.items()}
CORE = {m for m in FILES if m.startswith("core.")}
IO = {m for m in FILES if m.startswith("io.")}
EXPLAIN = {m for m in FILES if m.startswith("words.")}


def test_the_folders_hold_the_layers():
    assert {"core.scheme", "core.rules", "core.engine", "core.grading", "core.values"} <= CORE
    assert {"io.decode", "io.yamlio", "io.readers", "io.workbook", "io.template", "io.output"} <= IO


def test_no_cycles():
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(GRAPH[module] - {"__init__", "core", "io"}):
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


def test_imports_inside_functions_are_few_and_said_why():
    """A function-level import of ours is allowed only to keep start-up fast, and each says so beside it."""
    hidden = sorted({(m, n) for m, found in MODULES.items() for n, inner in found if inner and n in FILES})
    assert hidden == [("console", "core.analysis"), ("console", "words.result"), ("io.decode", "io.isolate"),
                      ("lints", "scoring")]


def test_the_door_names_real_modules_and_shows_every_name():
    from kpiscore import api

    assert _door("api") <= set(FILES) and sorted(api.__all__) == sorted(api.WHERE)
    assert all(getattr(api, name) is not None for name in api.__all__)


def test_the_core_knows_no_files_terminal_or_writer():
    for module in CORE:
        names = {n for n, _ in MODULES[module]}
        allowed = CORE | {"errors", "core"}
        assert not (names & set(FILES)) - allowed, (module, (names & set(FILES)) - allowed)
        assert not names & LIBRARIES, (module, names & LIBRARIES)
        tree = ast.parse(FILES[module].read_text(encoding="utf-8"))
        calls = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not calls & PANDAS_IO, (module, calls & PANDAS_IO)


def test_the_words_read_the_core_and_the_catalog_only():
    for module in EXPLAIN:
        assert GRAPH[module] <= CORE | EXPLAIN | {"text", "errors", "core", "words"}, (module, GRAPH[module])
        assert not {n for n, _ in MODULES[module]} & LIBRARIES, module


def test_the_catalog_and_the_findings_import_nothing_of_ours():
    assert GRAPH["text"] == set() and not {n for n, _ in MODULES["text"]} & {"pandas", "numpy"}
    assert GRAPH["errors"] <= {"text"}


def test_file_formats_never_reach_the_face():
    for module in IO:
        assert not GRAPH[module] & {"api", "cli", "console", "batch"}, (module, GRAPH[module])


def test_the_face_goes_through_the_api():
    assert GRAPH["cli"] <= {"api", "console", "errors", "text", "version"}, GRAPH["cli"]
    assert not GRAPH["console"] & IO, GRAPH["console"]
    # a batch is scoring runs put together: it reaches files only through the run's steps
    assert not GRAPH["batch"] & IO, GRAPH["batch"]
    assert GRAPH["api"] == _door("api"), GRAPH["api"] ^ _door("api")  # what it shows is what it imports
