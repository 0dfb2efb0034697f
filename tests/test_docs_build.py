"""The documentation builds offline, with warnings as errors, and reads offline.

One ``python -m sphinx -W -b html`` build without running the gallery
(``PLOT_GALLERY=0``) and with intersphinx forced off
(``LRSPARSE_DOCS_INTERSPHINX=0``: no network), from a copy of ``docs/`` and
``examples/`` in a temporary directory, because sphinx-gallery and
autosummary write into the source tree (``docs/auto_examples``,
``docs/generated``).  Then, on the built pages:

* no page loads anything from a CDN, and MathJax is the bundled copy;
* references to scikit-learn, NumPy, SciPy and Python are links without
  the network, and scikit-learn's inherited docstrings leak no raw label;
* the front page's example prints what the page shows (doctest), and so do
  the examples of the Getting started page.

Deselect with ``-m "not docs"``.
"""

import doctest
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.docs

for _module in ("sphinx", "sphinx_gallery", "numpydoc", "pydata_sphinx_theme", "sphinx_design"):
    pytest.importorskip(_module)
try:  # the extension's import name has hyphens: check the distribution
    from importlib.metadata import PackageNotFoundError, version

    version("sphinx-mathjax-offline")
except PackageNotFoundError:  # pragma: no cover
    pytest.skip("sphinx-mathjax-offline is not installed", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# what sphinx-gallery / autosummary / a local build generate in docs/
_GENERATED = ("_build", "auto_examples", "generated", "sg_execution_times.rst")

# any reference to a content delivery network or a remote script / stylesheet
_CDN = re.compile(
    r"cdn\.jsdelivr|mathjax@|cdnjs\.|code\.jquery|cdn\.datatables|unpkg\.com|googleapis"
    r"|<script[^>]*\bsrc=\"(?:https?:)?//"
    r"|<link[^>]*\bhref=\"(?:https?:)?//[^\"]*\"[^>]*stylesheet"
    r"|<link[^>]*stylesheet[^>]*\bhref=\"(?:https?:)?//"
)


def _text(page):
    """The visible text of an HTML page, whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """Build the HTML from a copy of docs/ and examples/; the path of the site."""
    work = tmp_path_factory.mktemp("docs_build")
    shutil.copytree(DOCS, work / "docs", ignore=shutil.ignore_patterns(*_GENERATED))
    shutil.copytree(ROOT / "examples", work / "examples")
    out = work / "html"
    env = dict(os.environ)
    env.update(
        PLOT_GALLERY="0",
        LRSPARSE_DOCS_INTERSPHINX="0",
        MPLBACKEND="Agg",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
           "docs", str(out)]
    result = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (
        f"sphinx -W failed ({result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    )
    assert "WARNING" not in result.stderr, result.stderr[-5000:]
    return out


def _pages(site):
    return [p for p in site.rglob("*.html") if "_static" not in p.parts]


def test_build_has_every_page(built_site):
    for name in ("index", "getting_started", "changelog", "citing", "contributing",
                 "install", "api", "user_guide/index", "auto_examples/index"):
        assert (built_site / f"{name}.html").is_file(), name
    assert len(_pages(built_site)) > 50


def test_no_cdn_and_bundled_mathjax(built_site):
    offenders = {}
    for page in _pages(built_site):
        found = _CDN.findall(page.read_text(encoding="utf-8"))
        if found:
            offenders[str(page.relative_to(built_site))] = sorted(set(found))[:3]
    assert not offenders, offenders

    mathjax = built_site / "_static" / "mathjax" / "tex-chtml.js"
    assert mathjax.is_file() and mathjax.stat().st_size > 100_000
    # the fonts of the CommonHTML output are there too
    assert any((built_site / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))

    # a page with maths loads the bundled copy, by a relative path
    page = (built_site / "user_guide" / "fastrp.html").read_text(encoding="utf-8")
    assert 'class="math' in page
    assert re.search(r'<script[^>]*src="\.\./_static/mathjax/tex-chtml\.js"', page)


def test_external_references_are_links_offline(built_site):
    index = (built_site / "index.html").read_text(encoding="utf-8")
    assert (
        'href="https://scikit-learn.org/stable/modules/generated/'
        'sklearn.pipeline.Pipeline.html"' in index
    )
    page = (built_site / "generated" / "lrsparse.decomposition.RobustPCA.html").read_text(
        encoding="utf-8"
    )
    # parameter types link (numpydoc xref), to NumPy and to scikit-learn's glossary
    assert 'href="https://numpy.org/doc/stable/reference/generated/numpy.ndarray.html"' in page
    assert 'href="https://scikit-learn.org/stable/glossary.html#term-array-like"' in page
    # the inherited set_output docstring: a link to scikit-learn's example, no raw label
    assert "sphx_glr_" not in _text(page)
    assert (
        'href="https://scikit-learn.org/stable/auto_examples/miscellaneous/plot_set_output.html"'
        in page
    )
    # the class pages document their methods
    assert 'id="lrsparse.decomposition.RobustPCA.fit"' in page


@pytest.mark.parametrize("name", ["index", "getting_started"])
def test_page_examples_print_what_the_page_shows(built_site, name):
    source = DOCS / f"{name}.rst"
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(str(source), module_relative=False, optionflags=flags,
                              verbose=False, report=True)
    assert result.attempted > 0
    assert result.failed == 0, f"{source.name}: {result.failed} of {result.attempted} failed"

    # the built page shows each expected output verbatim
    shown = _text((built_site / f"{name}.html").read_text(encoding="utf-8"))
    examples = doctest.DocTestParser().get_examples(source.read_text(encoding="utf-8"))
    wanted = [" ".join(ex.want.split()) for ex in examples if ex.want.strip()]
    assert wanted
    for want in wanted:
        assert want in shown, want
