"""The import layering, read from every module's source: lower layers never import higher ones.

data, losses and the package's top-level helpers at the bottom; models above them; train and
metrics above models (train never imports metrics);
benchmarks on top, and nothing in gan_zoo imports benchmarks.
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


def test_layering_holds():
    assert violations() == []


def test_the_check_sees_a_violation():
    bad = REPO / "gan_zoo" / "models" / "_layering_probe.py"
    bad.write_text("def f():\n    from gan_zoo.train.trainer import Trainer\n")
    try:
        assert "gan_zoo.models._layering_probe imports gan_zoo.train.trainer" in violations()
    finally:
        bad.unlink()
