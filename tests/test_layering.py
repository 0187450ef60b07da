"""The import contract: product code (include/pimflow) never imports the sandbox.

The emulators are their own distribution (sandbox/, package `pimflow_sandbox`) so that a
user installs `pimflow` alone in their Airflow; pimflow starts the sandboxes through the
`pimflow-sandbox` console script only. Read with `ast`, nothing is imported, so an import
inside a function, or behind `if TYPE_CHECKING`, is caught as well.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PRODUCT = Path(__file__).resolve().parents[1] / "include" / "pimflow"
FORBIDDEN = ("pimflow_sandbox", "pimflow.sandbox")


def forbidden(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in FORBIDDEN)


def sandbox_imports(path: Path) -> list[str]:
    """`path:line: import ...` for each import of the sandbox in the module at `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from pimflow import sandbox` imports pimflow.sandbox as well.
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
            in ("import_module", "__import__", "find_spec")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        else:
            continue
        hits = [name for name in names if forbidden(name)]
        if hits:
            found.append((node.lineno, f"{path}:{node.lineno}: imports {hits[0]}"))
    return [message for _, message in sorted(found)]


def test_product_code_never_imports_the_sandbox():
    modules = sorted(PRODUCT.rglob("*.py"))
    assert len(modules) > 20, "include/pimflow not found where expected"
    violations = [hit for module in modules for hit in sandbox_imports(module)]
    assert not violations, "product code imports the sandbox:\n" + "\n".join(violations)


def test_the_checker_names_the_module_and_line_of_each_sandbox_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text(
        "import json\n"
        "from pimflow.media_server import MediaServer\n"
        "import pimflow_sandbox.cli\n"
        "def start():\n"
        "    from pimflow_sandbox.server import SandboxServer\n"
        "from pimflow import sandbox\n"
        "import importlib\n"
        "importlib.import_module('pimflow_sandbox.akeneo')\n"
        "import pimflow_sandboxes  # another package: allowed\n"
    )
    assert sandbox_imports(module) == [
        f"{module}:3: imports pimflow_sandbox.cli",
        f"{module}:5: imports pimflow_sandbox.server",
        f"{module}:6: imports pimflow.sandbox",
        f"{module}:8: imports pimflow_sandbox.akeneo",
    ]
    clean = tmp_path / "clean.py"
    clean.write_text("from pimflow.media_server import MediaServer\nimport pimflow.akeneo\n")
    assert sandbox_imports(clean) == []


# The core never names a target: only a target's own package, and the default targets
# file that lists pimflow's two, say `shopware6` or `cscart`.
TARGET_WORDS = re.compile(r"\b(shopware6|cscart)\b")
TARGET_PACKAGES = ("shopware6", "cscart")
DEFAULT_FILES = ("targets/default_targets.yaml",)


def target_names_in_core(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or path.suffix not in (".py", ".yaml", ".html", ".json"):
            continue
        if relative.split("/")[0] in TARGET_PACKAGES or relative in DEFAULT_FILES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TARGET_WORDS.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_no_core_module_names_a_target():
    assert target_names_in_core(PRODUCT) == []


def test_the_target_name_check_finds_a_target_named_in_the_core(tmp_path):
    (tmp_path / "shopware6").mkdir()
    (tmp_path / "shopware6" / "hook.py").write_text("NAME = 'shopware6'\n")
    (tmp_path / "dags.py").write_text("if kind == 'cscart':\n    pass\n")
    assert target_names_in_core(tmp_path) == ["dags.py:1: if kind == 'cscart':"]
