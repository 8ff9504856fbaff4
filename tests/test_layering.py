"""The import layering, read from every module's source: lower layers never import higher ones.

data, losses and the package's top-level helpers at the bottom; models above them; train and
metrics above models (train never imports metrics);
benchmarks on top, and nothing in gan_zoo imports benchmarks. And no circle: no module of
gan_zoo reaches itself through its imports (lazy ones and ``TYPE_CHECKING`` ones included).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: (layer, the layers and packages it may not import)
FORBIDDEN = {
    "gan_zoo.data": ("gan_zoo.models", "gan_zoo.train", "gan_zoo.metrics", "benchmarks"),
    "gan_zoo.losses": ("gan_zoo.models", "gan_zoo.train", "gan_zoo.metrics", "benchmarks"),
    "gan_zoo.models": ("gan_zoo.train", "gan_zoo.metrics", "benchmarks"),
    "gan_zoo.train": ("gan_zoo.metrics", "benchmarks"),
    "gan_zoo.metrics": ("benchmarks",),
    "gan_zoo": ("benchmarks",),
}
#: top-level helper modules (gan_zoo/*.py) sit at the bottom with data and losses
BOTTOM = ("gan_zoo.models", "gan_zoo.train", "gan_zoo.metrics", "benchmarks")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every absolute module an import statement names, at any depth (lazy imports count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def rules_for(name: str) -> tuple[str, ...]:
    if (
        name.count(".") == 1
        and name.startswith("gan_zoo.")
        and name.split(".")[1]
        not in {
            "data",
            "losses",
            "models",
            "train",
            "metrics",
        }
    ):
        return BOTTOM
    layer = max((p for p in FORBIDDEN if name == p or name.startswith(p + ".")), key=len)
    return FORBIDDEN[layer]


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations() -> list[str]:
    found = []
    for path in sorted((REPO / "gan_zoo").rglob("*.py")):
        name = module_name(path)
        for target in sorted(imports(path)):
            if any(within(target, banned) for banned in rules_for(name)):
                found.append(f"{name} imports {target}")
    return found


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted((REPO / "gan_zoo").rglob("*.py"))}


def module_imports(path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``path`` imports: ``from pkg import sub`` names the
    submodule, not the package (a package's ``__init__`` running first is no edge)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in known:
                    found.add(sub)
                elif node.module in known:
                    found.add(node.module)
    return found


def circles() -> list[list[str]]:
    """Every set of modules that import each other in a loop (Tarjan's strongly connected
    components of more than one module, or one that imports itself), each sorted."""
    found_modules = modules()
    graph = {name: module_imports(path, set(found_modules)) for name, path in found_modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


def test_no_module_reaches_itself_through_its_imports():
    assert circles() == []


def test_the_check_sees_a_circle():
    """Two temporary modules that import each other, one of them lazily, are a circle."""
    first = REPO / "gan_zoo" / "_circle_probe_a.py"
    second = REPO / "gan_zoo" / "metrics" / "_circle_probe_b.py"
    first.write_text("from gan_zoo.metrics import _circle_probe_b\n")
    second.write_text("def f():\n    import gan_zoo._circle_probe_a\n")
    try:
        assert ["gan_zoo._circle_probe_a", "gan_zoo.metrics._circle_probe_b"] in circles()
    finally:
        first.unlink()
        second.unlink()


def test_layering_holds():
    assert violations() == []


def test_the_check_sees_a_violation():
    bad = REPO / "gan_zoo" / "models" / "_layering_probe.py"
    bad.write_text("def f():\n    from gan_zoo.train.trainer import Trainer\n")
    try:
        assert "gan_zoo.models._layering_probe imports gan_zoo.train.trainer" in violations()
    finally:
        bad.unlink()
