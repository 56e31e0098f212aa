"""The package's architecture (issue 10), checked on its imports.

* Layers (import-linter, contract in pyproject.toml): cli > commands > {pipeline, audit, demo} >
  {transform, synth} > policy > detect > engine > io > settings > errors; a module imports only from
  layers below its own. The same contract is run on a synthetic package with one upward
  import to show that it breaks.
* No import cycle runs through pipeline/, transform/ or synth/ (imports inside functions count).
* No module imports a private name (`_x`) from another package.
* Imports of our own modules inside functions only where listed below, with the reason.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "privsynth"

# Imports of our own modules inside functions that stay, and why. Keep this list short.
LAZY_ALLOWED = {
    # the typer app imports a command's module when it runs: `--help` in 0.1 s, not seconds
    "privsynth.cli": "keeps `privsynth --help` and usage errors instant",
    # the console entry imports the CLI inside its try: Ctrl-C during start-up is exit 130
    "privsynth.__main__": "catches a KeyboardInterrupt while the CLI is being imported",
    # presidio-analyzer takes ~2 s to import; a scan with use_presidio=False never pays it
    "privsynth.detect.presidio_engine": "keeps presidio-analyzer out of `import privsynth.detect`",
}
# Private names imported across packages that remain (none since the hostile branch).
PRIVATE_ALLOWED: set[tuple[str, str, str]] = set()
ACYCLIC = ("privsynth.pipeline", "privsynth.transform", "privsynth.synth")


# ------------------------------------------------------------------------------ import graph
@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # the module imported (a submodule when `from pkg import submodule`)
    name: str | None  # the name taken from it (`from target import name`)
    line: int
    in_function: bool


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path) -> Iterator[Import]:
    """Every import of `root`'s own modules, by every module under `root` (a package folder)."""
    top = root.name
    modules = {_module_name(p, root) for p in root.rglob("*.py")}
    for path in sorted(root.rglob("*.py")):
        importer = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {
            id(node)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(fn)
        }
        for node in ast.walk(tree):
            lazy = id(node) in inside
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == top:
                        yield Import(importer, alias.name, None, node.lineno, lazy)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] != top:
                    continue
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    if sub in modules:  # `from pkg import submodule`
                        yield Import(importer, sub, None, node.lineno, lazy)
                    else:
                        yield Import(importer, node.module, alias.name, node.lineno, lazy)


def import_graph(imports: list[Import]) -> nx.DiGraph:
    """Module -> module edges as Python runs them: importing `a.b.c` also runs `a.b`'s
    `__init__` unless the importer is inside `a.b` already."""
    g = nx.DiGraph()
    for imp in imports:
        parts = imp.target.split(".")
        for i in range(2, len(parts) + 1):
            target = ".".join(parts[:i])
            if target == imp.importer or imp.importer.startswith(target + "."):
                continue  # the importer's own package, already being imported
            g.add_edge(imp.importer, target)
    return g


def cycles_through(g: nx.DiGraph, packages: tuple[str, ...]) -> list[list[str]]:
    """The strongly connected components (real cycles) with a module in one of `packages`."""
    out = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 and any(m == p or m.startswith(p + ".") for m in comp for p in packages):
            out.append(sorted(comp))
    return out


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def private_imports(imports: list[Import]) -> set[tuple[str, str, str]]:
    return {
        (imp.importer, imp.target, imp.name)
        for imp in imports
        if imp.name is not None
        and imp.name.startswith("_")
        and not imp.name.startswith("__")
        and package_of(imp.importer) != package_of(imp.target)
    }


@pytest.fixture(scope="module")
def our_imports() -> list[Import]:
    return list(imports_of(PACKAGE))


# ---------------------------------------------------------------------------------- layers
def _lint(config: Path, cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "from importlinter.cli import lint_imports; "
        f"raise SystemExit(lint_imports(config_filename={str(config)!r}, no_cache=True, "
        "no_logo=True))"
    )
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_layers_contract_is_kept():
    res = _lint(ROOT / "pyproject.toml", ROOT, ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "1 kept, 0 broken" in res.stdout


def _synthetic_package(tmp_path: Path, extra: dict[str, str]) -> Path:
    """A package `fakeps` with our layer names, one module per layer, plus `extra` modules,
    and our contract (read from pyproject.toml) renamed to it."""
    pkg = tmp_path / "fakeps"
    for name in (
        "cli", "commands", "pipeline", "audit", "demo", "transform", "synth", "policy",
        "detect", "engine", "io", "settings", "errors",
    ):  # fmt: skip
        (pkg / name).mkdir(parents=True)
        (pkg / name / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    # the allowed direction: every layer uses the ones below
    (pkg / "cli" / "main.py").write_text("import fakeps.commands\n")
    (pkg / "commands" / "run.py").write_text("import fakeps.demo\nimport fakeps.pipeline\n")
    (pkg / "demo" / "run.py").write_text("import fakeps.audit\nimport fakeps.pipeline\n")
    (pkg / "audit" / "run.py").write_text("import fakeps.pipeline\nimport fakeps.synth\n")
    (pkg / "pipeline" / "run.py").write_text("import fakeps.transform\nimport fakeps.synth\n")
    (pkg / "synth" / "fit.py").write_text("import fakeps.engine\n")
    (pkg / "transform" / "mask.py").write_text("import fakeps.policy\n")
    (pkg / "policy" / "load.py").write_text("import fakeps.detect\n")
    (pkg / "detect" / "scan.py").write_text("import fakeps.engine\n")
    (pkg / "engine" / "count.py").write_text("import fakeps.io\n")
    (pkg / "io" / "read.py").write_text("import fakeps.settings\n")
    (pkg / "settings" / "env.py").write_text("import fakeps.errors\n")
    for rel, text in extra.items():
        (pkg / rel).write_text(text)
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = ["[importlinter]", "root_package = fakeps", ""]
    for i, contract in enumerate(conf["contracts"]):
        lines += [f"[importlinter:contract:{i}]", f"name = {contract['name']}", "type = layers"]
        lines += ["layers ="] + [
            "    " + layer.replace("privsynth.", "fakeps.") for layer in contract["layers"]
        ]
        lines.append("")
    config = tmp_path / ".importlinter"
    config.write_text("\n".join(lines))
    return config


def test_the_contract_holds_on_a_package_that_keeps_it(tmp_path):
    config = _synthetic_package(tmp_path, {})
    res = _lint(config, tmp_path, tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize(
    ("module", "text", "broken"),
    [
        ("transform/up.py", "import fakeps.pipeline\n", "fakeps.transform is not allowed to import fakeps.pipeline"),
        ("synth/side.py", "import fakeps.transform\n", "fakeps.synth is not allowed to import fakeps.transform"),
        ("io/up.py", "import fakeps.engine\n", "fakeps.io is not allowed to import fakeps.engine"),
        ("detect/up.py", "def f():\n    import fakeps.policy\n", "fakeps.detect is not allowed to import fakeps.policy"),
    ],
)
def test_the_contract_breaks_on_an_upward_import(tmp_path, module, text, broken):
    config = _synthetic_package(tmp_path, {module: text})
    res = _lint(config, tmp_path, tmp_path)
    assert res.returncode == 1
    assert broken in res.stdout


# ------------------------------------------------------------------------- cycles, privates
def test_no_import_cycle_runs_through_pipeline_transform_or_synth(our_imports):
    assert cycles_through(import_graph(our_imports), ACYCLIC) == []


def test_the_cycle_check_finds_a_cycle_made_of_function_level_imports(tmp_path):
    pkg = tmp_path / "fakeps"
    (pkg / "pipeline").mkdir(parents=True)
    (pkg / "transform").mkdir()
    for p in (pkg, pkg / "pipeline", pkg / "transform"):
        (p / "__init__.py").write_text("")
    (pkg / "pipeline" / "run.py").write_text("from fakeps.transform.stream import plan\n")
    (pkg / "transform" / "stream.py").write_text(
        "def plan():\n    from fakeps.pipeline.run import _keys\n"
    )
    found = cycles_through(import_graph(list(imports_of(pkg))), ("fakeps.transform",))
    assert found == [["fakeps.pipeline.run", "fakeps.transform.stream"]]
    assert private_imports(list(imports_of(pkg))) == {
        ("fakeps.transform.stream", "fakeps.pipeline.run", "_keys")
    }


def test_no_private_name_is_imported_from_another_package(our_imports):
    assert private_imports(our_imports) - PRIVATE_ALLOWED == set()


def test_our_modules_are_imported_inside_functions_only_where_listed(our_imports):
    lazy = sorted(
        f"{imp.importer}:{imp.line} imports {imp.target}"
        for imp in our_imports
        if imp.in_function and imp.importer not in LAZY_ALLOWED
    )
    assert lazy == []
