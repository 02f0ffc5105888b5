#!/usr/bin/env python3
"""Open every page of the built book in headless Chromium and fail on what a reader would see broken.

Usage: python scripts/check_pages.py [_build/html] [--screenshots _build/screenshots] [--browser /usr/bin/chromium]

For each HTML page of the book it fails on:
  - a console error or an uncaught exception;
  - an image (figure) that does not load;
  - a MathJax error, or math left unrendered;
  - a request to anything but the built site itself (file:, data:, blob:): pages must work offline;
  - an executed page that shows fewer figures than its notebook holds;
  - a table, code block or output cut off on the right: wider than its box with no horizontal
    scrolling box around it, at the desktop width (1280 px) and at a phone's (390 px);
  - raw log or warning output in a page (a stderr stream, "Warning:", "WARNING", "INFO", a
    traceback, a progress bar);
  - a figure whose series colours are not distinct: two colours that each cover a noticeable
    share of its coloured pixels and differ by ΔE 5 to 15 (CIE76; under 5 they are one colour to a
    reader, the shades anti-aliasing leaves where lines overlap), like the near-identical
    reds of checkpoints drawn as tints of one colour (a continuous colour map, over 12 colours, is
    exempt; two series in exactly the same colour cannot be told apart from the pixels, and
    boundary_lab.plots.colors guarantees distinct colours at the source);
  - a .ipynb download link that does not return a notebook.
It saves a full-page screenshot of each page under --screenshots and prints one line per page.

It talks to Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe), with the
standard library only; the colour check reads the figures with Pillow and numpy (both in the
package's environment). Chromium is Debian's `chromium` package: `apt-get install -y chromium`.
Exit codes: 0 all pages pass, 1 some page fails, 2 bad input (no build, no browser).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "devtools:")

# Collected in the page after load (and after MathJax finished typesetting).
PAGE_PROBE = r"""
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) { }
  }
  await new Promise(r => setTimeout(r, 300));
  const imgs = Array.from(document.querySelectorAll('article img, main img'));
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.getAttribute('src') || '').slice(0,
  80));
  const figures = document.querySelectorAll('.cell_output img, .output img').length;
  const mathErrors = document.querySelectorAll('mjx-merror, .MathJax_Error, [data-mjx-error]').length;
  const mathNodes = Array.from(document.querySelectorAll('span.math, div.math'));
  const unrendered = mathNodes.filter(n => !n.querySelector('mjx-container') && !n.closest('mjx-container')).length;
  const logs = Array.from(document.querySelectorAll('.cell_output .output, .cell_output pre, article pre.output'))
      .filter(e => e.matches('.stderr, .stderr *') || LOG_LINE.test(e.innerText || ''))
      .map(e => { const ls = (e.innerText || '').trim().split('\n');
                   return ls.find(l => LOG_LINE.test(l)) || ls.find(l => l.trim()) || ''; })
      .map(l => l.trim().slice(0, 120));
  const downloads = Array.from(document.querySelectorAll('a[href]'))
      .map(a => a.href).filter(h => /\.ipynb($|[?#])/.test(h));
  const images = Array.from(document.querySelectorAll('.cell_output img, .output img')).map(i => i.src);
  return JSON.stringify({broken, figures, mathErrors, mathNodes: mathNodes.length, unrendered,
                         clipped: clippedBoxes(), logs: Array.from(new Set(logs)),
                         downloads: Array.from(new Set(downloads)), images,
                         title: document.title, height: document.documentElement.scrollHeight,
                         mathjax: !!window.MathJax});
})()
"""

# A box is clipped when its content is wider than the box and neither it nor any box around it
# (up to the page's article) scrolls horizontally: the rest is cut off or runs under the sidebar.
CLIP_FUNCTIONS = r"""
var LOG_LINE = /(^|\n)\s*(\S*Warning: |WARNING|\[?INFO\]?[: ]|DEBUG[: ]|Traceback \(most recent|\d+%\|)/;
function scrolls(e) {
  const o = getComputedStyle(e).overflowX;
  return (o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth;
}
function clippedBoxes() {
  const article = document.querySelector('article') || document.body;
  const right = article.getBoundingClientRect().right;
  const out = [];
  for (const e of article.querySelectorAll('table, pre, .cell_output .output')) {
    if (e.clientWidth === 0) continue;
    const overflowing = e.scrollWidth > e.clientWidth + 2 || e.getBoundingClientRect().right > right + 2;
    if (!overflowing) continue;
    let inScroller = false;
    for (let a = e; a && a !== article.parentElement; a = a.parentElement) {
      if (scrolls(a)) { inScroller = true; break; }
    }
    if (!inScroller) out.push(e.tagName.toLowerCase() + ': ' + (e.innerText || '').trim().split('\n')[0].slice(0, 60));
  }
  return Array.from(new Set(out));
}
"""
PAGE_PROBE = PAGE_PROBE.replace("(async () => {", CLIP_FUNCTIONS + "(async () => {", 1)
PHONE_PROBE = CLIP_FUNCTIONS + "JSON.stringify(clippedBoxes())"
PHONE_WIDTH = 390
DISTINCT = 15.0  # ΔE under which two colours of one figure are called indistinct (boundary_lab.plots.DISTINCT)
SAME = 5.0  # ΔE under which two pixel colours are one colour to a reader (anti-aliasing where lines overlap)


def _without_edge_tints(colours, counts, share: float = 0.25, near: float = 30.0):
    """Drop a rare shade of a frequent colour: one within ΔE ``near`` of a more frequent colour and
    covering under ``share`` of its pixels. The anti-aliased rims of many small markers of one series,
    and the blends where two lines overlap, add up to more than 40 pixels per shade but stay rare beside
    the series' own colour; a second series drawn in a tint covers about as many pixels as the first,
    so the near-identical reds of three checkpoints are still caught.

    >>> import numpy as np
    >>> blue, rim, tint = [31, 95, 191], [58, 114, 198], [86, 134, 206]
    >>> [c.tolist() for c in _without_edge_tints(np.array([blue, rim]), np.array([777, 59]))]
    [[31, 95, 191]]
    >>> len(_without_edge_tints(np.array([blue, tint]), np.array([777, 700])))
    2
    """
    import numpy as np

    from boundary_lab.plots import delta_e

    hexes = ["#%02x%02x%02x" % tuple(int(x) for x in v) for v in colours]
    kept: list[int] = []
    for i in np.argsort(-counts):
        if not any(counts[i] < share * counts[j] and delta_e(hexes[i], hexes[j]) < near for j in kept):
            kept.append(int(i))
    return colours[sorted(kept)]


def indistinct_colours(png: Path) -> list[tuple[str, str, float]]:
    """Pairs of a figure's main colours closer than ΔE 15: (colour, colour, ΔE).

    Main colours are the exact pixel colours (saturated: not grey, white or black) that each cover at
    least 5% of the coloured pixels and 40 pixels: a line's, a marker's, a bar's own colour, not the
    anti-aliased edges, which spread over many rare shades.
    """
    import numpy as np
    from PIL import Image

    from boundary_lab.plots import delta_e

    px = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3).astype(int)
    hi, lo = px.max(axis=1), px.min(axis=1)
    coloured = px[(hi >= 60) & ((hi - lo) >= 0.35 * np.maximum(hi, 1))]
    if len(coloured) == 0:
        return []
    values, counts = np.unique(coloured, axis=0, return_counts=True)
    keep = counts >= max(40, 0.05 * len(coloured))  # a series' own colour: 5% of the coloured pixels
    main, main_counts = values[keep], counts[keep]
    if len(main) > 12:  # a continuous colour map (a heatmap), not a palette of series
        return []
    main = _without_edge_tints(main, main_counts)
    hexes = ["#%02x%02x%02x" % tuple(v) for v in main]
    return [(a, b, round(delta_e(a, b), 1)) for i, a in enumerate(hexes) for b in hexes[i + 1:]
            if SAME <= delta_e(a, b) < DISTINCT]


def _local(url: str) -> Path | None:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def download_problems(urls: list[str]) -> list[str]:
    """Each .ipynb link must return a notebook (a JSON object with cells)."""
    problems = []
    for url in urls:
        path = _local(url)
        if path is None:
            continue  # a launch button (Binder, Colab) on another site: not fetched, pages work offline
        try:
            nb = json.loads(path.read_text())
            ok = isinstance(nb, dict) and isinstance(nb.get("cells"), list)
        except (OSError, ValueError):
            ok = False
        if not ok:
            problems.append(f"download does not return a notebook: {url[-100:]}")
    return problems


class Browser:
    """Chromium on --remote-debugging-pipe (fd 3 reads commands, fd 4 writes replies, NUL-separated)."""

    def __init__(self, executable: str, width: int = 1280):
        self.profile = tempfile.mkdtemp(prefix="check-pages-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def fds():  # in the child: the pipe ends become fds 3 and 4 (moved out of the way first)
            import fcntl

            r, w = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        args = [executable, "--headless=new", "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
                "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
                "--disable-features=Translate,OptimizationHints,MediaRouter", "--allow-file-access-from-files",
                f"--window-size={width},900", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        # close_fds=False: the two pipe ends are placed at fds 3 and 4 in the child by fds()
        self.proc = subprocess.Popen(args, preexec_fn=fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self._next = 0
        self._replies: dict[int, dict] = {}
        self.events: queue.Queue = queue.Queue()
        self._lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_child, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    self._lock.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._lock:
                        self._replies[msg["id"]] = msg
                        self._lock.notify_all()
                else:
                    self.events.put(msg)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        self._next += 1
        mid = self._next
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        with self._lock:
            while mid not in self._replies:
                left = deadline - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    state = "exited" if self.proc.poll() is not None else "timed out"
                    raise RuntimeError(f"no reply to {method} (browser {state})")
                self._lock.wait(left)
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def expected_figures(html: Path, site: Path) -> int | None:
    """Figures an executed page must show: image outputs of its notebook's cells not tagged for removal."""
    rel = html.relative_to(site).with_suffix(".ipynb")
    nb_path = ROOT / rel
    if not nb_path.exists():
        return None
    nb = json.loads(nb_path.read_text())
    count = 0
    for cell in nb.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.get("cell_type") != "code" or tags & {"remove-cell", "remove-output"}:
            continue
        count += sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
    return count


def check_page(browser: Browser, html: Path, site: Path, shots: Path) -> tuple[list[str], dict]:
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Network", "Log"):
        browser.send(f"{domain}.enable", session=session)
    while not browser.events.empty():
        browser.events.get_nowait()
    url = html.resolve().as_uri()
    browser.send("Page.navigate", {"url": url}, session=session)
    problems, loaded, deadline = [], False, time.time() + 60
    external, console = [], []

    def drain(block: float) -> None:
        nonlocal loaded
        end = time.time() + block
        while True:
            try:
                ev = browser.events.get(timeout=max(0.0, end - time.time()))
            except queue.Empty:
                return
            if ev.get("sessionId") != session:
                continue
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Page.loadEventFired":
                loaded = True
            elif m == "Network.requestWillBeSent":
                req = p.get("request", {}).get("url", "")
                if not req.startswith(LOCAL_SCHEMES):
                    external.append(req)
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                console.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                e = p["entry"]
                console.append(f"{e.get('text', '')} {e.get('url', '')}".strip())

    while not loaded and time.time() < deadline:
        drain(0.5)
    if not loaded:
        problems.append("page did not finish loading in 60 s")
    probe = browser.send("Runtime.evaluate", {"expression": PAGE_PROBE, "awaitPromise": True, "returnByValue": True},
                         session=session, timeout=60)
    if "exceptionDetails" in probe:  # a probe that cannot run must not pass as a clean page
        raise RuntimeError(f"the page probe failed: {probe['exceptionDetails'].get('text', '')}")
    info = json.loads(probe.get("result", {}).get("value") or "{}")
    drain(0.3)
    if console:
        problems += [f"console error: {c[:200]}" for c in console]
    if external:
        problems += [f"external request: {u[:200]}" for u in dict.fromkeys(external)]
    if info.get("broken"):
        problems += [f"image does not load: {s}" for s in info["broken"]]
    if info.get("mathErrors"):
        problems.append(f"{info['mathErrors']} MathJax error(s)")
    if info.get("unrendered"):
        problems.append(f"{info['unrendered']} of {info['mathNodes']} math element(s) not rendered by MathJax")
    want = expected_figures(html, site)
    if want is not None and info.get("figures", 0) < want:
        problems.append(f"shows {info.get('figures', 0)} figure(s), its notebook has {want}")
    problems += [f"clipped at 1280 px: {c}" for c in info.get("clipped", [])]
    problems += [f"raw log output: {line}" for line in info.get("logs", [])]
    problems += download_problems(info.get("downloads", []))
    for src in info.get("images", []):
        path = _local(src)
        if path is not None and path.suffix.lower() == ".png" and path.exists():
            for a, b, d in indistinct_colours(path):
                problems.append(f"figure colours not distinct: {a} and {b} (ΔE {d}) in {path.name}")
    browser.send("Emulation.setDeviceMetricsOverride", {"width": PHONE_WIDTH, "height": 900, "deviceScaleFactor": 1,
                                                        "mobile": True}, session=session)
    time.sleep(0.2)
    phone = browser.send("Runtime.evaluate", {"expression": PHONE_PROBE, "returnByValue": True}, session=session)
    if "exceptionDetails" in phone:  # a probe that cannot run must not pass as "nothing clipped"
        raise RuntimeError(f"the {PHONE_WIDTH}-px probe failed: {phone['exceptionDetails'].get('text', '')}")
    problems += [f"clipped at {PHONE_WIDTH} px: {c}" for c in json.loads(phone.get("result", {}).get("value") or "[]")]
    # full-page screenshot (capped at 12000 px)
    height = min(int(info.get("height") or 900), 12000)
    browser.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": height, "deviceScaleFactor": 1,
                                                        "mobile": False}, session=session)
    # the phone-width probe leaves the page scrolled sideways: back to its left edge before the picture
    browser.send("Runtime.evaluate", {"expression": "window.scrollTo(0, 0)"}, session=session)
    time.sleep(0.2)
    shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session, timeout=60)
    out = shots / (html.relative_to(site).with_suffix("").as_posix().replace("/", "__") + ".png")
    out.write_bytes(base64.b64decode(shot["data"]))
    browser.send("Target.closeTarget", {"targetId": target})
    info["screenshot"] = str(out)
    return problems, info


def pages(site: Path) -> list[Path]:
    skip = {"genindex.html", "search.html", "py-modindex.html"}
    return sorted(p for p in site.rglob("*.html") if p.name not in skip and "_static" not in p.parts
                  and "_sources" not in p.parts and "_images" not in p.parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", nargs="?", default=str(ROOT / "_build" / "html"), help="built HTML folder")
    ap.add_argument("--screenshots", default=str(ROOT / "_build" / "screenshots"), help="where screenshots go")
    ap.add_argument("--browser", default=os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium"))
    args = ap.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").exists():
        print(f"check_pages: no built book at {site} (run `boundary-lab book` first)", file=sys.stderr)
        return 2
    if not Path(args.browser).exists():
        print(f"check_pages: Chromium not found at {args.browser}; install Debian's package: "
              "apt-get install -y chromium", file=sys.stderr)
        return 2
    shots = Path(args.screenshots)
    shots.mkdir(parents=True, exist_ok=True)
    browser = Browser(args.browser)
    failed, listed = 0, pages(site)
    try:
        browser.send("Target.getTargets")  # the browser is up
        for html in listed:
            name = html.relative_to(site).as_posix()
            try:
                problems, info = check_page(browser, html, site, shots)
            except RuntimeError as err:
                problems, info = [f"browser: {err}"], {}
            status = "FAIL" if problems else "ok"
            extra = f", {len(info.get('downloads', []))} download(s)" if info.get("downloads") else ""
            print(f"{status:4} {name}: {info.get('figures', 0)} figure(s), {info.get('mathNodes', 0)} math{extra}")
            for p in problems:
                print(f"       - {p}")
            failed += bool(problems)
    finally:
        browser.close()
    print(f"{len(listed) - failed} passed, {failed} failed: {len(listed)} pages checked, screenshots in {shots}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
