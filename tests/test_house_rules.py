"""The rules of the house, enforced (see ``docs/developer_guide.rst``).

Read from the source with :mod:`ast` (nothing here imports numba):

- no family package (``decomposition``, ``embedding``, ``impute``, and every
  future public subpackage other than the shared ``datasets``, ``metrics``,
  ``utils``) imports another family;
- ``lrsparse/_kernels/`` imports only numpy, numba, math/numbers,
  ``scipy.sparse`` (a container for results), ``lrsparse.utils._numba`` and
  sibling kernel modules: no estimator, no sklearn, no family;
- private scikit-learn (an underscore module or name) is imported only in
  ``lrsparse/utils/_sklearn.py``;
- every kernel module defines a module-level ``_warm_up()``; every kernel in a
  module's ``__all__`` has a caller outside its own definition and a test;
- ``import lrsparse`` loads neither numba nor scikit-learn;
- the registries that cannot be derived name every estimator: ``docs/api.rst``
  (also every public function), the README's estimator table, and the
  kernel -> caller map of the developer guide matches the code.

``python tests/test_house_rules.py`` prints the kernel -> caller table as the
developer guide wants it, to paste when a caller moves.
"""

import ast
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lrsparse"
KERNELS = PACKAGE / "_kernels"
GUIDE = ROOT / "docs" / "developer_guide.rst"

# What a kernel module may import (top-level package, or exact module prefix).
_KERNEL_ALLOWED_ROOTS = {"numpy", "numba", "math", "numbers"}
_KERNEL_ALLOWED_MODULES = ("scipy.sparse", "lrsparse.utils._numba", "lrsparse._kernels")


# ----------------------------------------------------------------- source scan
def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_parts(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1]  # the package a file (module or __init__) belongs to


def _parse(path):
    return ast.parse(path.read_text(), filename=str(path))


def imports(path):
    """``(module, [names], lineno)`` for every import in ``path``, relative ones resolved.

    Imports inside functions count too (lrsparse imports kernels lazily).
    """
    package = _package_parts(path)
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            yield module, [alias.name for alias in node.names], node.lineno


def import_targets(path):
    """``(target, lineno)``: each imported module, and ``module.name`` for each from-import."""
    for module, names, lineno in imports(path):
        yield module, lineno
        for name in names:
            yield f"{module}.{name}", lineno


def _sources(directory):
    return sorted(p for p in directory.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path):
    return path.relative_to(ROOT).as_posix()


def _families():
    from lrsparse.utils.discovery import _families

    return _families()


def kernel_modules():
    return sorted(p for p in KERNELS.glob("*.py") if p.name != "__init__.py")


def _dunder_all(path):
    for node in _parse(path).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    return []


def _identifiers(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add(node.name.rsplit(".", 1)[-1])
    return names


def kernel_callers():
    """``{"module.function": {caller module relative to lrsparse}}`` for every exported kernel.

    A caller is an lrsparse module outside ``_kernels`` that imports the
    function (``from .._kernels.prox import svd_shrink``, or ``from .._kernels
    import prox`` then ``prox.svd_shrink``), or another function of the
    kernels (``_kernels.prox`` when ``svd_shrink`` calls ``soft_threshold``,
    ``_kernels.gmm`` when it imports ``rankone.precision_rank_one``);
    ``_warm_up`` does not count.
    """
    exported = {p.stem: set(_dunder_all(p)) for p in kernel_modules()}
    callers = {f"{m}.{f}": set() for m, fs in exported.items() for f in fs}

    def add(kmod, func, caller):
        if func in exported.get(kmod, ()):
            callers[f"{kmod}.{func}"].add(caller)

    for path in _sources(PACKAGE):
        caller = _module_name(path).removeprefix("lrsparse.")
        tree = _parse(path)
        if path.parent == KERNELS:
            own = path.stem
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and node.name != "_warm_up":
                    for name in _identifiers(node) - {node.name}:
                        add(own, name, caller)
            for module, names, _ in imports(path):
                if module.startswith("lrsparse._kernels."):
                    for name in names:
                        add(module.rsplit(".", 1)[-1], name, caller)
            continue
        for module, names, _ in imports(path):
            if module.startswith("lrsparse._kernels."):
                for name in names:
                    add(module.rsplit(".", 1)[-1], name, caller)
            elif module == "lrsparse._kernels":
                for kmod in set(names) & set(exported):
                    for node in ast.walk(tree):
                        if (
                            isinstance(node, ast.Attribute)
                            and isinstance(node.value, ast.Name)
                            and node.value.id == kmod
                        ):
                            add(kmod, node.attr, caller)
    return callers


# ------------------------------------------------------------------ the rules
@pytest.mark.parametrize("family", ["covariance", "decomposition", "embedding", "impute",
                                    "linear_model", "mixture", "feature_extraction"])
def test_no_family_imports_another_family(family):
    families = set(_families()) | {"covariance", "linear_model", "mixture",
                                   "feature_extraction"}
    directory = PACKAGE / family
    bad = [
        f"{_rel(path)}:{lineno} imports {target}"
        for path in (_sources(directory) if directory.is_dir() else [])
        for target, lineno in import_targets(path)
        if target.startswith("lrsparse.")
        and target.split(".")[1] in families - {family}
    ]
    assert not bad, "a family may import only datasets, metrics, utils and _kernels:\n" + (
        "\n".join(bad)
    )


def test_future_families_are_found_on_disk():
    # The rule above covers every family the package has, not only the named ones.
    assert {"decomposition", "embedding", "impute"} <= set(_families())
    assert not {"datasets", "metrics", "utils"} & set(_families())


@pytest.mark.parametrize("path", kernel_modules() + [KERNELS / "__init__.py"], ids=_rel)
def test_kernels_import_only_numpy_numba_and_numba_utils(path):
    # The package's __init__ also finds its own modules (importlib, pkgutil).
    extra = {"importlib", "pkgutil"} if path.name == "__init__.py" else set()
    bad = []
    for module, _, lineno in imports(path):
        root = module.split(".")[0]
        if root in _KERNEL_ALLOWED_ROOTS | extra or any(
            module == m or module.startswith(m + ".") for m in _KERNEL_ALLOWED_MODULES
        ):
            continue
        bad.append(f"{_rel(path)}:{lineno} imports {module}")
    assert not bad, "kernels are pure numba on arrays and scalars:\n" + "\n".join(bad)


def test_private_sklearn_only_through_utils_sklearn():
    allowed = PACKAGE / "utils" / "_sklearn.py"
    bad = []
    for path in _sources(PACKAGE):
        if path == allowed:
            continue
        for module, names, lineno in imports(path):
            if module.split(".")[0] != "sklearn":
                continue
            private = [p for p in module.split(".") if p.startswith("_")]
            private += [n for n in names if n.startswith("_")]
            if private:
                bad.append(f"{_rel(path)}:{lineno} imports {module} {names}")
    assert not bad, "import private sklearn helpers from lrsparse.utils._sklearn:\n" + "\n".join(
        bad
    )


@pytest.mark.parametrize("path", kernel_modules(), ids=lambda p: p.stem)
def test_kernel_module_has_warm_up(path):
    warm_ups = [
        node for node in _parse(path).body
        if isinstance(node, ast.FunctionDef) and node.name == "_warm_up"
    ]
    assert warm_ups, f"{_rel(path)} needs a module-level _warm_up() (see the developer guide)"
    (node,) = warm_ups
    assert not node.decorator_list, "_warm_up is plain Python (it calls the jitted kernels)"
    args = node.args
    assert not (args.args or args.posonlyargs or args.kwonlyargs), "_warm_up() takes no argument"


def test_every_kernel_has_a_caller_and_a_test():
    tested = set()
    for path in _sources(ROOT / "tests"):
        tested |= _identifiers(_parse(path))
    callers = kernel_callers()
    no_caller = sorted(k for k, c in callers.items() if not c)
    no_test = sorted(k for k in callers if k.split(".")[1] not in tested)
    assert not no_caller, f"kernels without a caller (remove them until one lands): {no_caller}"
    assert not no_test, f"kernels without a test: {no_test}"


def test_import_lrsparse_loads_neither_numba_nor_sklearn():
    code = (
        "import sys, lrsparse; lrsparse.__version__; "
        "print(sorted(m for m in ('numba', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------- the registries
def _estimator_names():
    from lrsparse.utils import all_estimators

    return [name for name, _ in all_estimators()]


def _api_names():
    text = (ROOT / "docs" / "api.rst").read_text()
    return set(re.findall(r"^ {3}([A-Za-z_][A-Za-z0-9_]*)\s*$", text, flags=re.M))


def test_every_estimator_and_public_function_is_in_the_api_reference():
    import importlib
    import inspect

    import lrsparse

    public = set(_estimator_names())
    for sub in lrsparse._SUBMODULES:
        module = importlib.import_module(f"lrsparse.{sub}")
        public |= {n for n in getattr(module, "__all__", ()) if not inspect.ismodule(
            getattr(module, n))}
    public |= set(importlib.import_module("lrsparse.utils.extmath").__all__)
    missing = sorted(public - _api_names())
    assert not missing, f"add to docs/api.rst: {missing}"


def test_every_estimator_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    rows = set(re.findall(r"^\| `([A-Za-z0-9_]+)` \|", readme, flags=re.M))
    missing = sorted(set(_estimator_names()) - rows)
    assert not missing, f"add a row to the README's estimator table for {missing}"


def _guide_kernel_map():
    text = GUIDE.read_text()
    match = re.search(r"\.\. kernel-map-start(.*?)\.\. kernel-map-end", text, flags=re.S)
    assert match, "docs/developer_guide.rst must hold the kernel map between its markers"
    table = {}
    for row in re.split(r"^\s*\* - ", match.group(1), flags=re.M)[1:]:
        cells = re.split(r"^\s*- ", row, flags=re.M)
        kernel = re.findall(r"``([\w.]+)``", cells[0])
        if not kernel:  # the header row
            continue
        table[kernel[0]] = set(re.findall(r"``([\w.]+)``", cells[1])) if len(cells) > 1 else set()
    return table


def test_developer_guide_kernel_map_matches_the_code():
    derived = kernel_callers()  # a kernel without a caller is listed with "(none)"
    documented = _guide_kernel_map()
    wrong = {
        k: {"guide": sorted(documented.get(k, ())), "code": sorted(derived.get(k, ()))}
        for k in set(derived) | set(documented)
        if documented.get(k) != derived.get(k)
    }
    assert not wrong, (
        "docs/developer_guide.rst's kernel map is out of date (print the current one with "
        f"`python tests/test_house_rules.py`): {wrong}"
    )


def format_kernel_map():
    """The first two columns of the guide's kernel map, from the code (third column by hand)."""
    by_kernel = defaultdict(set, kernel_callers())
    lines = []
    for kernel in sorted(by_kernel):
        callers = ", ".join(f"``{c}``" for c in sorted(by_kernel[kernel])) or "(none)"
        lines += [f"   * - ``{kernel}``", f"     - {callers}", "     - "]
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_kernel_map())
