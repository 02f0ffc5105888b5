#!/usr/bin/env python3
"""Open every page of the built book in headless Chromium and fail on what a reader would see broken.

Usage: python scripts/check_pages.py [_build/html] [--screenshots _build/screenshots] [--browser /usr/bin/chromium]

For each HTML page of the book it fails on:
  - a console error or an uncaught exception;
  - an image (figure) that does not load;
  - a MathJax error, or math left unrendered;
  - a request to anything but the built site itself (file:, data:, blob:): pages must work offline;
  - an executed page that shows fewer figures than its notebook holds.
It saves a full-page screenshot of each page under --screenshots and prints one line per page
(lines of code or output wider than their box are counted and reported, not failed).

It talks to Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe), with the
standard library only. Chromium is Debian's `chromium` package: `apt-get install -y chromium`.
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
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.getAttribute('src') || '').slice(0, 80));
  const figures = document.querySelectorAll('.cell_output img, .output img').length;
  const mathErrors = document.querySelectorAll('mjx-merror, .MathJax_Error, [data-mjx-error]').length;
  const mathNodes = Array.from(document.querySelectorAll('span.math, div.math'));
  const unrendered = mathNodes.filter(n => !n.querySelector('mjx-container') && !n.closest('mjx-container')).length;
  const wide = Array.from(document.querySelectorAll('article pre, article .output, article table'))
      .filter(e => e.scrollWidth > e.clientWidth + 2 && e.clientWidth > 0).length;
  return JSON.stringify({broken, figures, mathErrors, mathNodes: mathNodes.length, unrendered, wide,
                         title: document.title, height: document.documentElement.scrollHeight,
                         mathjax: !!window.MathJax});
})()
"""


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
                    raise RuntimeError(f"no reply to {method} (browser {'exited' if self.proc.poll() is not None else 'timed out'})")
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
    # full-page screenshot (capped at 12000 px)
    height = min(int(info.get("height") or 900), 12000)
    browser.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": height, "deviceScaleFactor": 1,
                                                        "mobile": False}, session=session)
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
            extra = f", {info['wide']} box(es) wider than the page" if info.get("wide") else ""
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
