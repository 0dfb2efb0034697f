"""Sphinx configuration for the lrsparse documentation.

The build is offline: nothing here fetches from the network.  Cross-links to
the documentation of NumPy, SciPy and scikit-learn (intersphinx) are opt-in,
``LRSPARSE_DOCS_INTERSPHINX=1``, because fetching their inventories needs
network access and a failed fetch is an error under ``-W``.

Environment switches (all optional):

* ``LRSPARSE_DOCS_INTERSPHINX=1`` -- enable intersphinx (needs network).
* ``PLOT_GALLERY=0`` -- render the gallery without running the examples (the
  same as ``-D plot_gallery=0`` / ``make html-noplot``).
* ``EXAMPLES_PATTERN=<regex>`` -- run only the examples whose path matches.
"""

import os
import re
import sys
from datetime import date

# lrsparse is normally installed (``pip install -e ".[docs]"``); fall back to
# the checkout so that a plain ``sphinx-build`` from docs/ also works.
try:
    import lrsparse
except ImportError:  # pragma: no cover
    sys.path.insert(0, os.path.abspath(".."))
    import lrsparse

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
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

_INTERSPHINX = os.environ.get("LRSPARSE_DOCS_INTERSPHINX", "0").strip().lower() in (
    "1",
    "true",
    "yes",
    "on",
)
if _INTERSPHINX:
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "joblib": ("https://joblib.readthedocs.io/en/latest", None),
    }

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb"]
root_doc = "index"
default_role = "literal"

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True
autodoc_typehints = "none"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

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
html_static_path = []
html_show_sourcelink = True


# -- Docstring fix-ups -------------------------------------------------------
#
# One narrow, documented adjustment so that the offline build is clean under
# ``-W``; it does not change what a docstring says.
#
# The API pages list the methods lrsparse estimators inherit from
#    scikit-learn (``get_params``, ``set_output``, ...).  Their docstrings link
#    to scikit-learn's own documentation with ``:ref:`` labels, which resolve
#    only through intersphinx.  When intersphinx is off, such a link is
#    rendered as its plain text instead of failing as an undefined label.

_REF = re.compile(r":ref:`([^`<]*?)\s*<[^`>]+>`|:ref:`([^`<]+)`")


def _unlink_sklearn_refs(line):
    return _REF.sub(lambda m: (m.group(1) or m.group(2)).strip(), line)


def _process_docstring(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    if module.startswith("sklearn") and not _INTERSPHINX:
        lines[:] = [_unlink_sklearn_refs(line) for line in lines]


def setup(app):
    # Run before numpydoc (priority 500) so that it sees the adjusted text.
    app.connect("autodoc-process-docstring", _process_docstring, priority=100)
