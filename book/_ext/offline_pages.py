"""A small Sphinx extension for this book: pages that work offline and load without console errors.

- Drops sphinx-thebe's scripts. Jupyter Book always loads sphinx-thebe; its inline configuration
  (which names thebe's CDN URL) was added twice per page, a JavaScript SyntaxError, and thebe is
  switched off in _config.yml anyway (it would load its bundle from a CDN).
- Sets the theme's default colour mode (empty, it made the theme log "Got invalid theme mode").
- Launch buttons (Binder, Colab) appear only once the publisher sets ``repository.url`` in
  ``_config.yml`` (empty by default: the buttons are dropped rather than pointing at a placeholder);
  they open the page's source notebook (``notebooks/<name>.ipynb``, in git) instead of
  ``book/executed/`` (built, not in git).
- Downloads: an executed page offers its executed notebook, with outputs
  (``_sources/book/executed/<name>.ipynb``; ``html_sourcelink_suffix: ""`` keeps the name), and its
  parameterised source (``_sources/notebooks/<name>.ipynb``, copied into the build when it finishes).
- Adds ``static/offline_pages.css``: code and outputs wrap (no clipped lines), tables are
  left-aligned with padded, wrapping cells.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

STATIC = str(Path(__file__).with_name("static"))


def _drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    kept = []
    for js in scripts:
        name = str(js)
        body = getattr(js, "attributes", {}).get("body", "") if hasattr(js, "attributes") else ""
        if "sphinx-thebe" in name or "THEBE_JS_URL" in body or "thebe" in name and "unpkg" in name:
            continue
        kept.append(js)
    context["script_files"] = kept


def _source_notebook(app, pagename: str) -> str | None:
    """The notebook an executed page was made from (recorded in its metadata by boundary-lab book)."""
    path = Path(app.srcdir) / f"{pagename}.ipynb"
    if not pagename.startswith("book/executed/") or not path.exists():
        return None
    return json.loads(path.read_text()).get("metadata", {}).get("boundary_lab", {}).get("notebook")


# The default URL Jupyter Book fills in when _config.yml names none, and the old placeholder.
UNSET_REPOSITORIES = ("", "https://github.com/executablebooks/jupyter-book",
                      "https://github.com/boundary-lab/boundary-lab")


def repository_url(app) -> str:
    """The published repository (``repository.url`` in _config.yml), or "" while it is unset."""
    return _repository(app.config)


def _repository(config) -> str:
    url = str((config.html_theme_options or {}).get("repository_url") or "").strip().rstrip("/")
    return "" if url in UNSET_REPOSITORIES else url


def _group(buttons, label: str):
    return next((b for b in buttons or [] if isinstance(b, dict) and b.get("label") == label), None)


def _launch_sources(app, pagename, templatename, context, doctree):
    buttons = context.get("header_buttons") or []
    launch = _group(buttons, "launch-buttons")
    if launch is not None and not repository_url(app):
        buttons.remove(launch)  # no repository set: no button that points nowhere
    source = _source_notebook(app, pagename)
    if not source:
        return
    if launch is not None and repository_url(app):
        for button in launch.get("buttons") or []:
            if isinstance(button.get("url"), str):
                button["url"] = button["url"].replace(f"{pagename}.ipynb", source)
    downloads = _group(buttons, "download-buttons")
    if downloads is not None:
        root = context["pathto"]("_sources", 1)
        kept = [b for b in downloads.get("buttons") or [] if b.get("label") == "download-pdf-button"]
        downloads["buttons"] = [
            {"type": "link", "url": f"{root}/{pagename}.ipynb", "text": ".ipynb (executed)", "icon": "fas fa-code",
             "tooltip": "Download this page's notebook with its outputs", "label": "download-notebook-button"},
            {"type": "link", "url": f"{root}/{source}", "text": ".ipynb (parameters)", "icon": "fas fa-file",
             "tooltip": "Download the parameterised notebook, to run with papermill -p NAME VALUE",
             "label": "download-source-notebook-button"},
            *kept]


def _copy_sources(app, exception):
    """Copy each executed page's source notebook to ``_sources/notebooks/`` (its .ipynb download)."""
    if exception is not None or app.builder.format != "html":
        return
    for page in sorted(Path(app.srcdir, "book", "executed").glob("*.ipynb")):
        source = _source_notebook(app, f"book/executed/{page.stem}")
        if source and Path(app.srcdir, source).exists():
            target = Path(app.outdir, "_sources", source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(app.srcdir, source), target)


def _defaults(app, config):
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "light")
    config.html_context = context
    if not _repository(config):  # no launch providers: the theme adds no launch button at all
        config.html_theme_options = {**(config.html_theme_options or {}), "launch_buttons": {}}
    config.html_sourcelink_suffix = ""  # _sources/<page>.ipynb, not .ipynb.txt: the download is a notebook
    config.html_static_path = [*config.html_static_path, STATIC]


def setup(app):
    app.connect("config-inited", _defaults)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("html-page-context", _launch_sources, priority=900)
    app.connect("build-finished", _copy_sources)
    app.add_css_file("offline_pages.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
