"""A small Sphinx extension for this book: pages that work offline and load without console errors.

- Drops sphinx-thebe's scripts. Jupyter Book always loads sphinx-thebe; its inline configuration
  (which names thebe's CDN URL) was added twice per page, a JavaScript SyntaxError, and thebe is
  switched off in _config.yml anyway (it would load its bundle from a CDN).
- Sets the theme's default colour mode (empty, it made the theme log "Got invalid theme mode").
- Points the Binder and Colab launch buttons of an executed page at its source notebook
  (``notebooks/<name>.ipynb``, in git) instead of ``book/executed/`` (built, not in git).
- Adds ``static/offline_pages.css``: code and outputs wrap (no clipped lines), tables are
  left-aligned with padded, wrapping cells.
"""
from __future__ import annotations

import json
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


def _relaunch(buttons, old: str, new: str) -> None:
    for button in buttons or []:
        if isinstance(button, dict):
            if isinstance(button.get("url"), str):
                button["url"] = button["url"].replace(old, new)
            _relaunch(button.get("buttons"), old, new)


def _launch_sources(app, pagename, templatename, context, doctree):
    source = _source_notebook(app, pagename)
    if source:
        _relaunch(context.get("header_buttons"), f"{pagename}.ipynb", source)


def _defaults(app, config):
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "light")
    config.html_context = context
    config.html_static_path = [*config.html_static_path, STATIC]


def setup(app):
    app.connect("config-inited", _defaults)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("html-page-context", _launch_sources, priority=900)
    app.add_css_file("offline_pages.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
