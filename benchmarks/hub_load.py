"""Load on the demo class: N students log in at the same time and each runs notebook 01 top to
bottom in their own kernel, on this machine (``python -m classroom up``, a class of its own).

Each student, in a thread of this script: logs in through the hub's form (which starts their
server), fetches 01_sgd through nbgrader's assignment list, saves the reference solution as the
fetched notebook, starts a kernel through the server's API and executes every code cell over the
kernel's websocket, as JupyterLab does. Measured per student: login to a running server, time
from the first cell's execution request to its first output, the whole run, cells that failed,
kernels that died; and every 0.5 s the resident memory (PSS) of all processes of each account, so
the peak per user is known. Writes ``build/hub-load/report.json`` and prints a summary.

    sudo .venv/bin/python benchmarks/hub_load.py --students 20      # as root; about 5 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

A = "01_sgd"


def _pss_by_uid() -> dict[int, int]:
    """Proportional set size (bytes) of all processes, summed per uid."""
    out: dict[int, int] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        out[uid] = out.get(uid, 0) + int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return out


def _decode(frame) -> dict:
    """A kernel message from the server's websocket: JSON text, or (a message with buffers, such
    as a widget's) jupyter_server's binary frame: the number of parts, their offsets, the JSON."""
    if isinstance(frame, str):
        return json.loads(frame)
    n = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 + 4 * i:8 + 4 * i], "big") for i in range(n)]
    return json.loads(frame[offsets[0]:offsets[1] if n > 1 else None])


def run_notebook(user, nb, timeout: float = 600.0) -> dict:
    """Execute ``nb``'s code cells in a new kernel of ``user``'s server, over its websocket."""
    import websocket

    r = user.api("POST", "api/sessions", json={"path": f"{A}/{A}.ipynb", "type": "notebook",
                                                 "kernel": {"name": "python3"}})
    r.raise_for_status()
    kernel = r.json()["kernel"]["id"]
    cookies = "; ".join(f"{c.name}={c.value}" for c in user.http.cookies)
    ws_url = user.server.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Cookie: {cookies}"], timeout=timeout)
    session = uuid.uuid4().hex
    result = {"cells": 0, "errors": [], "first_output_s": None, "died": False}
    t0 = time.perf_counter()
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": user.user,
                           "session": session, "date": "", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell",
                "content": {"code": cell.source, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True}}))
            while True:
                msg = _decode(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind in ("stream", "display_data", "execute_result") and result["first_output_s"] is None:
                    result["first_output_s"] = time.perf_counter() - t0
                if kind == "error":
                    result["errors"].append(f"{msg['content']['ename']}: {msg['content']['evalue'][:200]}")
                if kind == "status" and msg["content"]["execution_state"] == "dead":
                    result["died"] = True
                    return result
                if kind == "execute_reply":
                    break
            result["cells"] += 1
    except Exception as e:  # a dropped websocket: the kernel (or its server) died
        result["died"] = True
        result["errors"].append(f"{type(e).__name__}: {e}")
    finally:
        result["run_s"] = time.perf_counter() - t0
        ws.close()
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=20)
    p.add_argument("--out", type=Path, default=ROOT / "build" / "hub-load")
    args = p.parse_args()

    import nbformat

    from classroom import hub
    from tests.hub.client import HubUser
    from tests.support import submission

    cls = hub.scratch_class("tnn2l-")
    results: dict[str, dict] = {}
    peak: dict[int, int] = {}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for uid, pss in _pss_by_uid().items():
                peak[uid] = max(peak.get(uid, 0), pss)
            time.sleep(0.5)

    def student(account):
        rec = results.setdefault(account.user, {})
        t0 = time.perf_counter()
        try:
            u = HubUser(cls.url, account.user, account.password)
            u.login(timeout=600)
            rec["login_s"] = time.perf_counter() - t0
            u.assignment_action("fetch", "tnn2", A)
            u.put_notebook(f"{A}/{A}.ipynb", submission(A))
            rec.update(run_notebook(u, nbformat.read(hub.REPO / "solutions" / A / f"{A}.ipynb", 4)))
        except Exception as e:
            rec["failure"] = f"{type(e).__name__}: {e}"
        rec["total_s"] = time.perf_counter() - t0

    try:
        t_up = time.perf_counter()
        accounts = hub.up(cls, students=args.students)
        hub.release(cls, A)
        up_s = time.perf_counter() - t_up
        students = [a for a in accounts if a.role == "student"]
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=student, args=(a,)) for a in students]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        stop.set()
        uids = {a.user: a.uid for a in students}
    finally:
        stop.set()
        hub.down(cls)
        import shutil

        shutil.rmtree(cls.state.parent, ignore_errors=True)

    per_user_mb = {u: peak.get(uid, 0) / 2**20 for u, uid in uids.items()}
    ok = [r for r in results.values() if "failure" not in r and not r.get("died") and not r.get("errors")]
    report = {
        "students": args.students, "cores": os.cpu_count(), "class_up_s": up_s, "wall_s": wall,
        "completed_without_error": len(ok), "kernel_deaths": sum(1 for r in results.values() if r.get("died")),
        "failures": {u: r.get("failure") or r.get("errors") for u, r in results.items()
                     if r.get("failure") or r.get("errors")},
        "login_s": _stats([r["login_s"] for r in results.values() if "login_s" in r]),
        "first_output_s": _stats([r["first_output_s"] for r in results.values() if r.get("first_output_s")]),
        "notebook_run_s": _stats([r["run_s"] for r in results.values() if "run_s" in r]),
        "peak_pss_mb_per_user": _stats(list(per_user_mb.values())),
        "peak_pss_mb_all_users": sum(per_user_mb.values()),
        "per_student": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=1, default=str))
    print(json.dumps({k: v for k, v in report.items() if k != "per_student"}, indent=1, default=str))
    return 0 if len(ok) == args.students else 1


def _stats(xs: list[float]) -> dict:
    if not xs:
        return {}
    xs = sorted(xs)
    return {"min": round(xs[0], 2), "median": round(statistics.median(xs), 2), "max": round(xs[-1], 2)}


if __name__ == "__main__":
    sys.exit(main())
