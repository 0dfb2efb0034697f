"""numpydoc validation of lrsparse's public API (scikit-learn's ``test_docstrings`` idea).

One test per public object, so ``-k Name`` selects it:

- ``test_estimator_docstring[Class]`` and ``[Class.method]``: every estimator from
  :func:`lrsparse.utils.all_estimators` and each of its public methods and
  properties *defined in lrsparse* (``get_params``, ``set_output``, ... are
  scikit-learn's and validated there);
- ``test_function_docstring[lrsparse.sub.name]``: every function in the
  ``__all__`` of a public lrsparse module (no underscore in its dotted path).

The ignored error codes are scikit-learn's (``sklearn/tests/test_docstrings.py``):
RT02, GL01 and GL02 everywhere; ES01, SA01 and EX01 (extended summary, See
Also, Examples) only on methods and functions, so a class docstring needs all
three; PR02 and GL08 on properties.
"""

import importlib
import inspect
import pkgutil

import pytest

import lrsparse
from lrsparse.utils import all_estimators

numpydoc_validation = pytest.importorskip("numpydoc.validate")

# Always ignored: the first line of Returns may name the value (RT02); the
# summary may start on the line of the opening quotes (GL01); short property
# docstrings may end without a blank line (GL02).
_IGNORED = frozenset({"RT02", "GL01", "GL02"})
# Ignored on methods and functions only: the class docstring carries them.
_CLASS_ONLY = frozenset({"ES01", "SA01", "EX01"})
# Ignored on properties: no parameters, and a signature numpydoc cannot parse.
_PROPERTY_IGNORED = frozenset({"PR02", "GL08"})


def _defined_in_lrsparse(obj):
    func = obj.fget if isinstance(obj, property) else obj
    module = getattr(inspect.unwrap(func), "__module__", None) or ""
    return module.split(".")[0] == "lrsparse"


def _estimator_cases():
    """(import path, class, method name or None) for every estimator and its own methods."""
    for name, cls in all_estimators():
        yield f"{cls.__module__}.{name}", cls, None
        for attr in sorted(dir(cls)):
            if attr.startswith("_"):
                continue
            obj = inspect.getattr_static(cls, attr)
            if isinstance(obj, (staticmethod, classmethod)):
                obj = obj.__func__
            if not (callable(obj) or isinstance(obj, property)):
                continue
            if _defined_in_lrsparse(obj):
                yield f"{cls.__module__}.{name}.{attr}", cls, attr


def public_modules():
    """Every lrsparse module whose dotted path has no underscore-led part."""
    names = ["lrsparse"]
    for info in pkgutil.walk_packages(lrsparse.__path__, "lrsparse."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def _function_cases():
    """Public import path of every function exported by a public module (each once)."""
    seen = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if inspect.isfunction(obj) and _defined_in_lrsparse(obj):
                # The shortest public path wins (lrsparse.utils.f over lrsparse.utils.discovery.f).
                path = f"{module_name}.{name}"
                key = (obj.__module__, obj.__qualname__)
                if key not in seen or len(path) < len(seen[key]):
                    seen[key] = path
    return sorted(seen.values())


def filter_errors(errors, method=None, cls=None):
    """Drop the error codes scikit-learn ignores; ``method`` is None for a class docstring."""
    for code, message in errors:
        if code in _IGNORED:
            continue
        if method is not None and code in _CLASS_ONLY:
            continue
        if (
            code in _PROPERTY_IGNORED
            and cls is not None
            and method is not None
            and isinstance(inspect.getattr_static(cls, method), property)
        ):
            continue
        yield code, message


def _report(import_path, result, errors):
    lines = [f"{import_path}: {len(errors)} numpydoc error(s)"]
    if result.get("file"):
        lines.append(f"  defined in {result['file']}:{result.get('file_line')}")
    lines += [f"  {code}: {message}" for code, message in errors]
    return "\n".join(lines)


_ESTIMATOR_CASES = list(_estimator_cases())


@pytest.mark.parametrize(
    "import_path, cls, method",
    _ESTIMATOR_CASES,
    ids=[cls.__name__ + (f".{method}" if method else "") for _, cls, method in _ESTIMATOR_CASES],
)
def test_estimator_docstring(import_path, cls, method):
    result = numpydoc_validation.validate(import_path)
    errors = list(filter_errors(result["errors"], method, cls))
    assert not errors, _report(import_path, result, errors)


@pytest.mark.parametrize("import_path", _function_cases())
def test_function_docstring(import_path):
    result = numpydoc_validation.validate(import_path)
    errors = list(filter_errors(result["errors"], method="function"))
    assert not errors, _report(import_path, result, errors)


@pytest.mark.parametrize("import_path", _function_cases())
def test_function_has_an_example(import_path):
    """The house asks more than scikit-learn's list: every public function shows a doctest."""
    from numpydoc.docscrape import FunctionDoc

    module, name = import_path.rsplit(".", 1)
    doc = FunctionDoc(getattr(importlib.import_module(module), name))
    assert any(line.lstrip().startswith(">>>") for line in doc["Examples"]), (
        f"{import_path} needs an Examples section with a doctest"
    )


def test_every_estimator_and_function_is_validated():
    """The discovery above finds the known public API (guards against an empty parametrisation)."""
    functions = _function_cases()
    assert len(all_estimators()) >= 10
    assert "lrsparse.utils.all_estimators" in functions
    assert any(path.startswith("lrsparse.utils.extmath.") for path in functions)
    assert not any(".__main__." in path or "._" in path for path in functions)
