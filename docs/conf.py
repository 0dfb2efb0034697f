"""Sphinx configuration for the lrsparse documentation.

The build needs no network: maths is typeset by a MathJax bundled with the
site (``sphinx-mathjax-offline`` copies it to ``_static/mathjax``), and no
page loads anything from a CDN.

Cross-references to other projects (Python, NumPy, SciPy, scikit-learn,
joblib, pandas, Dask)
    With network access (the published build) they go through intersphinx,
    from each project's ``objects.inv``.  Without it, every reference to one
    of these projects still becomes a link: a ``missing-reference`` handler
    (``_offline_reference`` below) builds the URL from the object's name,
    following each site's layout (e.g. ``sklearn.pipeline.Pipeline`` ->
    ``https://scikit-learn.org/stable/modules/generated/sklearn.pipeline.Pipeline.html``),
    and a name it cannot place is left as text.  The build is clean under
    ``-W`` either way.

    Reachability is detected when this file is read: a ``HEAD`` request for
    each inventory, all in parallel, bounded by a short timeout (2 s by
    default).  The projects that answer are cross-linked by intersphinx,
    the others by the offline handler.  Override it with
    ``LRSPARSE_DOCS_INTERSPHINX``:

    * ``1`` / ``on`` -- use intersphinx for every project without probing (a
      failed download is then a warning, an error under ``-W``);
    * ``0`` / ``off`` -- never touch the network: offline links only (what
      the test suite does);
    * ``auto`` or unset -- probe, as above.

    A firewalled build can still use intersphinx: download the inventories
    once (``https://scikit-learn.org/stable/objects.inv`` saved as
    ``sklearn.inv``, and so on for the keys of ``_PROJECTS``) into a folder
    named by ``LRSPARSE_DOCS_INVENTORY_DIR``; those projects are then
    cross-linked from the files, whatever ``LRSPARSE_DOCS_INTERSPHINX`` says.

Environment switches (all optional):

* ``LRSPARSE_DOCS_INTERSPHINX`` -- ``auto`` (default), ``1`` or ``0``, above.
* ``LRSPARSE_DOCS_INTERSPHINX_TIMEOUT`` -- seconds for the probe (default 2).
* ``LRSPARSE_DOCS_INVENTORY_DIR`` -- a folder of saved inventories, above.
* ``PLOT_GALLERY=0`` -- render the gallery without running the examples (the
  same as ``-D plot_gallery=0`` / ``make html-noplot``).
* ``EXAMPLES_PATTERN=<regex>`` -- run only the examples whose path matches.
"""

import builtins
import functools
import importlib
import os
import re
import sys
import threading
import urllib.request
from datetime import date

# lrsparse is normally installed (``pip install -e ".[docs]"``); fall back to
# the checkout so that a plain ``sphinx-build`` from docs/ also works.
try:
    import lrsparse
except ImportError:  # pragma: no cover
    sys.path.insert(0, os.path.abspath(".."))
    import lrsparse

# The gallery's real-data sections read the documented data folder
# (lrsparse.datasets.get_data_home: LRSPARSE_DATA); a build next to the
# project's shared data folder runs them, any other build prints that the
# file is missing (the examples' text is true either way).
_SHARED_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                            "data")
if not os.environ.get("LRSPARSE_DATA") and os.path.isdir(_SHARED_DATA):
    os.environ["LRSPARSE_DATA"] = os.path.normpath(_SHARED_DATA)

# -- Project information -----------------------------------------------------

project = "lrsparse"
author = "The lrsparse developers"
copyright = f"{date.today().year}, {author}"
release = lrsparse.__version__
_short = re.match(r"\d+\.\d+", release)
version = _short.group(0) if _short else release

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax 3 shipped with the site: copies it to _static/mathjax and sets
    # mathjax_path, so maths renders offline.
    "sphinx-mathjax-offline",
    "sphinx_design",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

# The bundled MathJax (sphinx-mathjax-offline sets the same; stated here so
# that no CDN default can come back).
mathjax_path = "mathjax/tex-chtml.js"

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb"]
root_doc = "index"
default_role = "literal"

# -- Cross-references to other projects --------------------------------------

# project key -> (base URL of its documentation, top-level import names)
_PROJECTS = {
    "python": ("https://docs.python.org/3", ()),
    "numpy": ("https://numpy.org/doc/stable", ("numpy",)),
    "scipy": ("https://docs.scipy.org/doc/scipy", ("scipy",)),
    "sklearn": ("https://scikit-learn.org/stable", ("sklearn",)),
    "joblib": ("https://joblib.readthedocs.io/en/stable", ("joblib",)),
    "pandas": ("https://pandas.pydata.org/docs", ("pandas",)),
    "dask": ("https://docs.dask.org/en/stable", ("dask",)),
    "dask_ml": ("https://ml.dask.org", ("dask_ml",)),
    "distributed": ("https://distributed.dask.org/en/stable", ("distributed",)),
}


def _reachable(url, timeout):
    try:
        request = urllib.request.Request(url + "/objects.inv", method="HEAD")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def _probe_inventories():
    """The projects whose inventory answers within the timeout."""
    mode = os.environ.get("LRSPARSE_DOCS_INTERSPHINX", "auto").strip().lower()
    if mode in ("1", "true", "yes", "on"):
        return set(_PROJECTS)
    if mode in ("0", "false", "no", "off"):
        return set()
    timeout = float(os.environ.get("LRSPARSE_DOCS_INTERSPHINX_TIMEOUT", "2"))
    found = set()

    def probe(key):
        if _reachable(_PROJECTS[key][0], timeout):
            found.add(key)

    threads = [threading.Thread(target=probe, args=(key,), daemon=True) for key in _PROJECTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 1)
    return set(found)


def _local_inventories():
    """Inventories saved on disk: ``$LRSPARSE_DOCS_INVENTORY_DIR/<project>.inv``."""
    folder = os.environ.get("LRSPARSE_DOCS_INVENTORY_DIR", "")
    if not folder:
        return {}
    return {
        key: os.path.abspath(os.path.join(folder, f"{key}.inv"))
        for key in _PROJECTS
        if os.path.isfile(os.path.join(folder, f"{key}.inv"))
    }


_LOCAL = _local_inventories()
_ONLINE = _probe_inventories() | set(_LOCAL)
if _ONLINE:
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        key: (_PROJECTS[key][0], _LOCAL.get(key)) for key in sorted(_ONLINE)
    }
    intersphinx_timeout = 10

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True
autodoc_typehints = "none"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Parameter types link to what they name ("ndarray", "array-like", "sparse
# matrix", "RandomState", ...), as on scikit-learn's API pages.  Only the
# words listed here (and numpydoc's defaults for Python and NumPy) become
# links; other words of a type ("of shape", "default=...") stay text.  A
# name that is its own alias is written as a role: numpydoc does not link
# an alias equal to its key when numpydoc_xref_ignore is "all".
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    "array-like": ":term:`array-like <sklearn:array-like>`",
    "array_like": ":term:`array-like <sklearn:array-like>`",
    "sparse matrix": ":term:`sparse matrix <sklearn:sparse matrix>`",
    "estimator": ":term:`estimator <sklearn:estimator>`",
    "path-like": ":term:`path-like <python:path-like object>`",
    # "cross-validation generator" is not a Python generator
    "generator": "generator",
    "Bunch": ":class:`~sklearn.utils.Bunch`",
    "MetadataRequest": ":class:`~sklearn.utils.metadata_routing.MetadataRequest`",
    "LinearOperator": ":class:`~scipy.sparse.linalg.LinearOperator`",
    "scipy.sparse.linalg.LinearOperator": ":class:`scipy.sparse.linalg.LinearOperator`",
    "scipy.sparse.csr_array": ":class:`scipy.sparse.csr_array`",
    "scipy.sparse.csr_matrix": ":class:`scipy.sparse.csr_matrix`",
    "csr_array": ":class:`~scipy.sparse.csr_array`",
    "csr_matrix": ":class:`~scipy.sparse.csr_matrix`",
    "DataFrame": ":class:`~pandas.DataFrame`",
    "np.float64": ":class:`numpy.float64`",
    "np.float32": ":class:`numpy.float32`",
    "Generator": ":class:`~numpy.random.Generator`",
}

# -- sphinx-gallery ------------------------------------------------------------


def _plot_gallery():
    value = os.environ.get("PLOT_GALLERY", "True").strip().lower()
    return "False" if value in ("0", "false", "no", "off") else "True"


sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": os.environ.get("EXAMPLES_PATTERN", "/plot_"),
    "doc_module": ("lrsparse",),
    "backreferences_dir": "generated",
    "abort_on_example_error": True,
    "plot_gallery": _plot_gallery(),
    "reset_modules": ("matplotlib",),
    "min_reported_time": 1,
    "remove_config_comments": True,
    "download_all_examples": False,
}

# -- HTML output -------------------------------------------------------------

try:
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
        "secondary_sidebar_items": ["page-toc", "sourcelink"],
    }
except ImportError:  # pragma: no cover
    html_theme = "alabaster"
    html_theme_options = {}

html_title = f"lrsparse {release}"
# single pages without a section to navigate: no empty left sidebar
html_sidebars = {
    page: []
    for page in ("index", "install", "getting_started", "changelog", "citing",
                 "contributing", "developer_guide")
}
html_static_path = ["_static"]
html_css_files = ["lrsparse.css"]
html_show_sourcelink = True


# -- Docstring fix-up: scikit-learn's own cross-references --------------------
#
# The API pages list the methods lrsparse estimators inherit from
# scikit-learn (``get_params``, ``set_output``, ...).  Their docstrings link
# to scikit-learn's documentation with ``:ref:`` labels and ``:term:``s of its
# glossary, which exist only there.  They are prefixed with the inventory
# name (``:ref:`sklearn:metadata_routing```), which intersphinx resolves
# online and ``_offline_reference`` resolves offline.  The text is unchanged.

_SKLEARN_ROLE = re.compile(r":(ref|term):`(?:([^`<]*?)\s*<([^`>]+)>|([^`<]+))`")


def _prefix_sklearn_role(match):
    role, title, target, bare = match.groups()
    if bare is not None:
        if role == "term":
            return f":term:`{bare} <sklearn:{bare}>`"
        return f":ref:`sklearn:{bare}`"
    if ":" in target:
        return match.group(0)
    return f":{role}:`{title} <sklearn:{target}>`"


def _process_docstring(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    if module.startswith("sklearn"):
        lines[:] = [_SKLEARN_ROLE.sub(_prefix_sklearn_role, line) for line in lines]


# -- Offline cross-references -------------------------------------------------
#
# Called for every reference Sphinx could not resolve itself (after
# intersphinx, when it is on).  Returns a link for the projects whose
# inventory is not loaded, an internal link for an unqualified lrsparse name,
# or None (Sphinx's own handling: plain text, or a warning for a label of
# these docs).

_PY_ROLES = {"class", "func", "meth", "obj", "attr", "exc", "data", "mod", "function", "method"}

_PY_BUILTINS = {
    # name -> page of the Python docs
    **dict.fromkeys(
        ["int", "float", "bool", "object", "callable", "type", "len", "range", "complex",
         "isinstance", "iter", "next", "print", "open", "repr", "hash", "zip", "slice"],
        "library/functions.html",
    ),
    **dict.fromkeys(
        ["str", "list", "tuple", "dict", "set", "frozenset", "bytes", "memoryview"],
        "library/stdtypes.html",
    ),
    **dict.fromkeys(
        ["None", "True", "False", "NotImplemented", "Ellipsis"], "library/constants.html"
    ),
}

_KNOWN_URLS = {
    # objects whose page does not follow their site's usual pattern
    "numpy.nan": "reference/constants.html#numpy.nan",
    "numpy.inf": "reference/constants.html#numpy.inf",
    "numpy.random.RandomState": "reference/random/legacy.html#numpy.random.RandomState",
    "numpy.random.Generator": "reference/random/generator.html#numpy.random.Generator",
    "numpy.random.default_rng": "reference/random/generator.html#numpy.random.default_rng",
    "numpy.float64": "reference/arrays.scalars.html#numpy.float64",
    "numpy.float32": "reference/arrays.scalars.html#numpy.float32",
    "numpy.int64": "reference/arrays.scalars.html#numpy.int64",
    "numpy.int32": "reference/arrays.scalars.html#numpy.int32",
    "numpy.typing.ArrayLike": "reference/typing.html#numpy.typing.ArrayLike",
    "distributed.Client": "api.html#distributed.Client",
    "distributed.LocalCluster": "api.html#distributed.LocalCluster",
}

# labels (std:ref) of other sites used by inherited docstrings and numpydoc
_LABELS = {
    "sklearn:metadata_routing": ("metadata_routing.html", "User Guide"),
    "sklearn:df_output_transform": ("modules/df_output_transform.html", "user guide"),
    "sklearn:r2_score": ("modules/model_evaluation.html#r2-score", "R² score"),
    "sklearn:accuracy_score": ("modules/model_evaluation.html#accuracy-score", "accuracy"),
    "python:bltin-boolean-values": ("library/stdtypes.html#bltin-boolean-values", "bool"),
    "numpy:arrays.scalars": ("reference/arrays.scalars.html", "scalar"),
}
_GALLERY_TITLES = {
    "miscellaneous/plot_set_output": "Introducing the set_output API",
    "covariance/plot_mahalanobis_distances":
        "Robust covariance estimation and Mahalanobis distances relevance",
}


def _project_of(name):
    root = name.split(".", 1)[0]
    for key, (_, roots) in _PROJECTS.items():
        if root in roots:
            return key
    if root in _PY_BUILTINS or hasattr(builtins, root) or root in sys.stdlib_module_names:
        return "python"
    return None


@functools.lru_cache(maxsize=None)
def _locate(name):
    """Import ``name``: (module path, qualified name inside it) or None."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:  # noqa: BLE001
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return ".".join(parts[:i]), tuple(parts[i:])
    return None


def _page_and_anchor(name):
    """Split ``a.b.Class.method`` into the documented object and the member."""
    located = _locate(name)
    if located is None:
        return None
    module, rest = located
    if not rest:
        return module, None
    return f"{module}.{rest[0]}", (name if len(rest) > 1 else None)


def _python_url(name):
    base = _PROJECTS["python"][0]
    if name in _PY_BUILTINS:
        return f"{base}/{_PY_BUILTINS[name]}#{name}"
    obj = getattr(builtins, name, None) if "." not in name else None
    if obj is not None:
        if isinstance(obj, type) and issubclass(obj, BaseException):
            return f"{base}/library/exceptions.html#{name}"
        return f"{base}/library/functions.html#{name}"
    located = _locate(name)
    if located is None:
        return None
    module, rest = located
    page = f"{base}/library/{module}.html"
    return page if not rest else f"{page}#{name}"


def _object_url(project, name):
    base = _PROJECTS[project][0]
    if name in _KNOWN_URLS:
        return f"{base}/{_KNOWN_URLS[name]}"
    if project == "python":
        return _python_url(name)
    split = _page_and_anchor(name)
    if split is None:
        return None
    page, member = split
    if page == name.split(".")[0] or (member is None and _is_module(page)):
        # a module
        if project == "sklearn":
            return f"{base}/api/{page}.html"
        if project == "scipy":
            return f"{base}/reference/{page[len('scipy.'):] or 'index'}.html"
        if project == "numpy":
            return f"{base}/reference/index.html"
        return f"{base}/"
    if project in ("numpy", "scipy", "pandas"):
        # every object, methods included, has a page of its own
        folder = "reference/api" if project == "pandas" else "reference/generated"
        return f"{base}/{folder}/{name}.html"
    if project == "sklearn" and not _sklearn_documented(page):
        return None
    generated = {
        "sklearn": "modules/generated",
        "joblib": "generated",
        "dask": "generated",
        "dask_ml": "modules/generated",
    }.get(project)
    if generated is None:
        return None
    url = f"{base}/{generated}/{page}.html"
    return url if member is None else f"{url}#{member}"


# scikit-learn documents only its public API (doc/api_reference.py); in the
# submodules of sklearn.utils that have no __all__, these are the documented
# names (svd_flip, for one, has no page)
_SKLEARN_UTILS_DOCUMENTED = {
    "extmath": {"density", "fast_logdet", "randomized_range_finder", "randomized_svd",
                "safe_sparse_dot", "weighted_mode"},
    "validation": {"check_is_fitted", "check_memory", "check_symmetric", "column_or_1d",
                   "has_fit_parameter", "validate_data"},
    "metadata_routing": {"MetadataRequest", "MetadataRouter", "MethodMapping",
                         "get_routing_for_object", "process_routing"},
}


def _sklearn_documented(page):
    """Whether scikit-learn's API reference has a page for ``page``."""
    module_name, _, attr = page.rpartition(".")
    module = sys.modules.get(module_name)
    if module is None:
        return False
    public = getattr(module, "__all__", None)
    if public is not None:
        return attr in public
    parts = module_name.split(".")
    if parts[:2] == ["sklearn", "utils"] and len(parts) == 3:
        return attr in _SKLEARN_UTILS_DOCUMENTED.get(parts[2], ())
    return not attr.startswith("_")


def _is_module(name):
    return name in sys.modules and getattr(sys.modules[name], "__name__", None) == name


_SHORT_NAMES = {}


def _short_name_index():
    """Unqualified public names of scikit-learn, NumPy and SciPy -> full names."""
    if _SHORT_NAMES:
        return _SHORT_NAMES
    seen = {}
    modules = []
    try:
        import sklearn

        modules += [
            f"sklearn.{m}" for m in sklearn.__all__ if m not in ("experimental", "externals")
        ]
        modules += ["sklearn.utils", "sklearn.feature_extraction.text"]
    except ImportError:  # pragma: no cover
        pass
    modules += ["scipy.sparse", "scipy.sparse.linalg", "scipy.linalg", "scipy.optimize",
                "scipy.stats", "scipy.io", "scipy.ndimage"]
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except Exception:  # noqa: BLE001 - a function, or absent
            continue
        for attr in getattr(module, "__all__", ()):
            seen.setdefault(attr, set()).add(f"{module_name}.{attr}")
    for attr in ("ndarray", "dtype", "nan", "inf", "float64", "float32", "int64", "int32"):
        seen.setdefault(attr, set()).add(f"numpy.{attr}")
    for attr in ("RandomState", "Generator", "default_rng"):
        seen.setdefault(attr, set()).add(f"numpy.random.{attr}")
    _SHORT_NAMES.update({k: v.pop() for k, v in seen.items() if len(v) == 1})
    _SHORT_NAMES["np"] = "numpy"
    return _SHORT_NAMES


def _external(url, contnode, title=None):
    from docutils import nodes

    ref = nodes.reference("", "", internal=False, refuri=url)
    if title is None:
        ref += contnode
    else:
        ref += nodes.inline(title, title)
    return ref


def _resolve_internal(app, env, node, contnode, target):
    """An unqualified lrsparse name (``SVTImputer``, ``Class.method``)."""
    py = env.get_domain("py")
    matches = [full for full in py.objects if full.endswith("." + target)]
    if len(matches) != 1:
        return None
    full = matches[0]
    obj = py.objects[full]
    from sphinx.util.nodes import make_refnode

    return make_refnode(app.builder, node["refdoc"], obj.docname, obj.node_id, contnode, full)


def _offline_reference(app, env, node, contnode):
    domain, reftype = node.get("refdomain"), node.get("reftype")
    target = node.get("reftarget", "")
    explicit = node.get("refexplicit", False)
    if domain == "std" and reftype in ("ref", "term"):
        if ":" not in target:
            return None
        project, label = target.split(":", 1)
        if project not in _PROJECTS or project in _ONLINE:
            return None
        base = _PROJECTS[project][0]
        if reftype == "term":
            glossary = "glossary.html"
            anchor = "term-" + re.sub(r"[^a-zA-Z0-9._]+", "-", " ".join(label.split()))
            return _external(f"{base}/{glossary}#{anchor}", contnode)
        if target in _LABELS:
            page, title = _LABELS[target]
            return _external(f"{base}/{page}", contnode, None if explicit else title)
        gallery = re.fullmatch(r"sphx_glr_auto_examples_([a-z0-9_]+?)_(plot_\w+)\.py", label)
        if gallery:
            path = f"{gallery.group(1)}/{gallery.group(2)}"
            title = _GALLERY_TITLES.get(path, f"the scikit-learn example {gallery.group(2)}")
            return _external(f"{base}/auto_examples/{path}.html", contnode,
                             None if explicit else title)
        # a label whose page is not known: its text, without a link
        from docutils import nodes

        text = label.replace("_", " ")
        return contnode if explicit else nodes.inline(text, text)
    if domain != "py" or reftype not in _PY_ROLES:
        return None
    name = target.lstrip("~.")
    if ":" in name:  # an explicit inventory: python:None, numpy:ndarray
        project, name = name.split(":", 1)
        if project not in _PROJECTS:
            return None
    elif "." not in name:
        # an unqualified name: lrsparse's own, a builtin, or a unique public
        # name of scikit-learn / SciPy / NumPy (not a stdlib module: ``copy``)
        internal = _resolve_internal(app, env, node, contnode, name)
        if internal is not None:
            return internal
        if name in _PY_BUILTINS or hasattr(builtins, name):
            project = "python"
        elif name in _PROJECTS or reftype == "mod":
            project = _project_of(name)
        else:
            name = _short_name_index().get(name, "")
            project = _project_of(name) if name else None
    else:
        if name.startswith("np."):
            name = "numpy." + name[3:]
        project = _project_of(name)
        if project is None:
            return _resolve_internal(app, env, node, contnode, name)
    if project is None or project in _ONLINE:
        return None
    url = _object_url(project, name)
    return None if url is None else _external(url, contnode)


# -- sphinx-gallery's timing pages load DataTables from a CDN: plain table ----

_CDN_BLOCK = re.compile(
    r"\n  \.\. raw:: html\n\n(?:    .*\n|\s*\n)*?    </script>\n(?=\s*\n  \.\. list-table)"
)


def _strip_cdn(app, docname, source):
    if docname.endswith("sg_execution_times"):
        source[0] = _CDN_BLOCK.sub("\n", source[0])


def setup(app):
    # sphinx-mathjax-offline only copies files when the build ends; it does
    # not declare it, so Sphinx would read serially under ``-j``.
    mathjax_offline = app.extensions.get("sphinx-mathjax-offline")
    if mathjax_offline is not None:
        mathjax_offline.parallel_read_safe = True
        mathjax_offline.parallel_write_safe = True
    # Run before numpydoc (priority 500) so that it sees the adjusted text.
    app.connect("autodoc-process-docstring", _process_docstring, priority=100)
    # After intersphinx (priority 500): only what it left unresolved; before
    # Sphinx's own builtin_resolver (900), which leaves builtins as text.
    app.connect("missing-reference", _offline_reference, priority=800)
    app.connect("source-read", _strip_cdn)
