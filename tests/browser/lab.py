"""A JupyterLab server and a headless Chromium for the browser tests, and what a student does there.

The server runs on 127.0.0.1 with a random token over a scratch copy of the notebooks (JupyterLab
saves, and jupytext writes paired files, so the repository's own copies must never be served). The
browser is Debian's ``chromium`` driven by Playwright; nothing downloads a browser.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build" / "browser-artifacts"

#: Chromium flags: headless, no sandbox (root in containers), and nothing that phones home (a closed
#: network refuses those connections, which slows start-up and floods the log).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: Lab settings for the scratch user-settings dir: every cell stays in the DOM (no windowing), no news
#: pop-up and no update check (both would reach for the network).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "recordTiming": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


def chromium_path() -> str | None:
    """Debian's chromium (``CHROMIUM`` overrides), or None."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``jupyter lab`` serving ``root`` (a scratch dir) on 127.0.0.1 with a token."""

    def __init__(self, root: Path, scratch: Path):
        self.root, self.scratch = root, scratch
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = scratch / "lab.log"

    def start(self, timeout: float = 90.0) -> "LabServer":
        settings = self.scratch / "settings"
        for rel, value in LAB_SETTINGS.items():
            (settings / rel).parent.mkdir(parents=True, exist_ok=True)
            (settings / rel).write_text(json.dumps(value))
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # the suite's Agg would hide every plot; lab kernels use inline
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", COURSE_DEVICE="cpu",
                   JUPYTER_CONFIG_DIR=str(self.scratch / "config"),  # nothing from ~/.jupyter
                   PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={self.scratch / 'workspaces'}",
               "--ServerApp.port_retries=0",
               # window.jupyterapp: the tests open notebooks in one page, as a student does from the
               # file browser, instead of reloading JupyterLab for each one
               "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_path.read_text()[-3000:]}")
            try:
                self.api("status")
                return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_path.read_text()[-3000:]}")

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self, wait: bool = True) -> None:
        """Shut down every session's kernel; ``wait=False`` lets the next test start meanwhile."""
        ids = [session["id"] for session in self.api("sessions")]

        def delete():
            for sid in ids:
                try:
                    self.api(f"sessions/{sid}", method="DELETE")
                except OSError:
                    pass

        if wait:
            delete()
        else:
            self._stopping = threading.Thread(target=delete, daemon=True)
            self._stopping.start()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def lab_url(self) -> str:
        # ?reset: a clean workspace, so no earlier notebook is reopened
        return f"{self.url}/lab?reset&token={self.token}"


# ---------------------------------------------------------------- what a student does in the page

KERNEL_IDLE = ("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
               ".some(e => /\\|\\s*Idle/.test(e.textContent))")
NOTHING_QUEUED = "() => ![...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')].some(e => e.textContent.includes('*'))"


def start_lab(page, lab: LabServer, timeout_ms: int = 90_000) -> None:
    page.goto(lab.lab_url())
    page.wait_for_function("() => window.jupyterapp && document.querySelector('#jp-main-dock-panel')",
                           timeout=timeout_ms)


def open_notebook(page, lab: LabServer, rel: str, timeout_ms: int = 90_000) -> None:
    """Open ``rel`` (as a double click in the file browser does) and wait for its kernel."""
    # the command resolves to the notebook's widget, which Playwright cannot serialize: return nothing
    page.evaluate("p => window.jupyterapp.commands.execute('docmanager:open', {path: p}).then(() => null)", rel)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout_ms)
    page.wait_for_function(KERNEL_IDLE, timeout=timeout_ms)


def close_everything(page) -> None:
    """Close every dialog and document without prompts (the test has saved what it needs)."""
    page.keyboard.press("Escape")
    page.evaluate("""() => {
        for (const d of document.querySelectorAll('.jp-Dialog')) d.remove();
        for (const w of [...window.jupyterapp.shell.widgets('main')]) {
            if (w.context) w.context.model.dirty = false;
            w.dispose();
        }
    }""")
    page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel')")


def menu(page, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu .lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).first.click()


MAX_COUNT = ("() => Math.max(0, ...[...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]"
             ".map(e => parseInt((e.textContent.match(/\\d+/) || ['0'])[0])))")
STARTED = ("(n) => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')].some(e => e.textContent.includes('*'))"
           f" || ({MAX_COUNT})() > n")


def run_from_menu(page, item: str, timeout_ms: int) -> None:
    """Run > ``item``, then wait until that run has started and ended (nothing queued, kernel idle)."""
    before = page.evaluate(MAX_COUNT)
    menu(page, "Run", item)
    page.wait_for_function(STARTED, arg=before, timeout=timeout_ms)
    page.wait_for_function(NOTHING_QUEUED, timeout=timeout_ms)
    page.wait_for_function(KERNEL_IDLE, timeout=timeout_ms)


def code_prompts(page) -> list[str | None]:
    """For every cell in order: its input prompt's text (code cells) or None (markdown)."""
    return page.evaluate("() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => "
                         "c.classList.contains('jp-CodeCell') ? c.querySelector('.jp-InputPrompt').textContent : null)")


def run_all_like_a_student(page, timeout_ms: int = 120_000) -> int:
    """Run > Run All Cells; where a failing cell stops the run (as a failing test does), select the
    first cell that has not run and Run > Run Selected Cell and All Below, until every code cell has
    run. Returns the number of times the run stopped.

    (After an error the kernel aborts the requests queued at that moment; requests that reach it a
    little later still run, so the cells left unrun need not be contiguous.)"""
    run_from_menu(page, "Run All Cells", timeout_ms)
    attempts: dict[int, int] = {}
    for stops in range(10_000):
        prompts = code_prompts(page)
        todo = [i for i, p in enumerate(prompts) if p is not None and not any(ch.isdigit() for ch in p)]
        if not todo:
            return stops
        assert len(todo) < sum(p is not None for p in prompts), "no code cell ran"
        # a request that reaches the kernel while it still aborts after the last error is aborted
        # too; a student clicks again, and so do we (but not forever)
        attempts[todo[0]] = attempts.get(todo[0], 0) + 1
        assert attempts[todo[0]] <= 3, f"cell {todo[0]} did not run in 3 attempts"
        # select it through the app (a click can land on another cell while outputs above are still
        # changing the layout), then resume from the menu, as a student would
        page.evaluate("i => { const nb = window.jupyterapp.shell.currentWidget.content; "
                      "nb.deselectAll(); nb.activeCellIndex = i; }", todo[0])
        page.wait_for_function("i => window.jupyterapp.shell.currentWidget.content.activeCellIndex === i",
                               arg=todo[0])
        run_from_menu(page, "Run Selected Cell and All Below", timeout_ms)
    raise AssertionError("the notebook never finished")


def save(page) -> None:
    menu(page, "File", "Save Notebook")
    page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')", timeout=20_000)


DOM_SUMMARY_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => {
  const outs = [...c.querySelectorAll('.jp-OutputArea-output')];
  return {
    kind: c.classList.contains('jp-CodeCell') ? 'code' : (c.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw'),
    rendered: c.classList.contains('jp-mod-rendered'),
    prompt: c.classList.contains('jp-CodeCell') ? c.querySelector('.jp-InputPrompt').textContent : null,
    math: c.querySelectorAll('mjx-container').length,
    mathErrors: c.querySelectorAll('mjx-merror').length,
    text: c.classList.contains('jp-MarkdownCell') ? (c.querySelector('.jp-RenderedMarkdown') || {textContent: ''}).textContent : '',
    mimes: outs.map(o => o.dataset.mimeType || ''),
    images: [...c.querySelectorAll('.jp-OutputArea-output img')].map(i => ({w: i.naturalWidth, h: i.naturalHeight, complete: i.complete})),
    progress: c.querySelectorAll('.widget-progress, .widget-hprogress').length,
    sliders: c.querySelectorAll('.widget-slider').length,
    outputText: outs.map(o => o.textContent).join('\\n').slice(0, 4000),
  };
})"""


def dom_summary(page) -> list[dict]:
    return page.evaluate(DOM_SUMMARY_JS)


def screenshot(page, name: str, locator=None) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if locator is not None:
        locator.scroll_into_view_if_needed()
    page.screenshot(path=str(path))
    return path
