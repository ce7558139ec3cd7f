"""The folder tree shows the architecture, and the layers keep to their direction.

UI (app.py, app_pages/, ui/) -> session (interview/session/) -> engines (interview/engines/) beside
bank, scoring, coding, speech, reporting and storage. ``interview/`` never imports Streamlit; engines
never reach the service, the store or the interfaces; the README's layer diagram names what exists.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "interview"
MAX_FUNCTION_LINES = 60


def _modules(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, tree: ast.Module) -> set[str]:
    """Absolute names of every module the file imports (relative imports resolved)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.unit
def test_no_function_in_the_package_is_over_sixty_lines():
    long = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path, tree in _modules(PACKAGE) for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, "split these functions:\n" + "\n".join(long)


@pytest.mark.unit
def test_the_package_never_imports_streamlit():
    offenders = [str(path.relative_to(ROOT)) for path, tree in _modules(PACKAGE)
                 if any(name == "streamlit" or name.startswith("streamlit.") for name in _imports(path, tree))]
    assert not offenders


@pytest.mark.unit
@pytest.mark.parametrize(("layer", "forbidden"), [
    ("interview.engines", ("interview.session.service", "interview.storage", "interview.interfaces", "interview.compose")),
    ("interview.session", ("interview.interfaces", "interview.compose")),
    ("interview.scoring", ("interview.engines", "interview.session", "interview.storage", "interview.interfaces")),
    ("interview.bank", ("interview.engines", "interview.session", "interview.storage", "interview.interfaces")),
    ("interview.storage", ("interview.engines", "interview.session", "interview.interfaces")),
])
def test_each_layer_imports_only_downwards(layer, forbidden):
    folder = ROOT.joinpath(*layer.split("."))
    wrong = sorted(f"{path.relative_to(ROOT)} imports {name}" for path, tree in _modules(folder)
                   for name in _imports(path, tree) if any(name == f or name.startswith(f + ".") for f in forbidden))
    assert not wrong, "\n".join(wrong)


@pytest.mark.unit
def test_streamlit_sees_no_pages_folder_and_the_ui_is_a_package():
    assert not (ROOT / "pages").exists()  # a folder named pages/ turns on Streamlit's old auto-discovery
    assert (ROOT / "app_pages").is_dir() and (ROOT / "ui" / "__init__.py").is_file()
    assert not list(ROOT.glob("ui_*.py"))


def _layers_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## How the layers fit", 1)[1]
    return section.split("```", 2)[1]


@pytest.mark.unit
def test_the_readme_layer_diagram_matches_the_folders():
    block = _layers_block()
    named = set(re.findall(r"(?<![\w./-])((?:interview|app_pages|ui|benchmarks|tests)/[\w/]*(?:\.py)?|app\.py)", block))
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert not missing, f"the README names paths that do not exist: {missing}"
    packages = sorted(p.parent.relative_to(ROOT).as_posix() + "/" for p in PACKAGE.glob("*/__init__.py"))
    unnamed = [p for p in packages if p not in block]
    assert not unnamed, f"the README's diagram leaves out these packages: {unnamed}"
