"""Per-assignment summary of a grading run: score histogram and which tests most students fail.

Written by ``grade`` next to ``grades.csv``::

    OUT/summary/<assignment>.md    statuses, score statistics, per-test pass rates (worst first),
                                   the aspects most often failed
    OUT/summary/<assignment>.png   histogram of scores and per-test pass rates

Only submissions that got a score count (graded, timed out, crashed, tampered); the others are
listed by status.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def test_cells(course: Path, assignment: str) -> list[tuple[str, float]]:
    """(grade_id, points) of every autograded test cell of ``assignment``, in notebook order."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gb:
        out = []
        for nb in gb.find_assignment(assignment).notebooks:
            out += [(c.name, float(c.max_score)) for c in nb.grade_cells if c.cell_type == "code"]
        return out


def summarize(rows: list[dict], tests: list[tuple[str, float]]) -> dict:
    scored = [r for r in rows if r.get("score") not in ("", None)]
    scores = sorted(float(r["score"]) for r in scored)
    fails = Counter(t for r in scored for t in (r.get("failed_tests") or "").split(";") if t)
    n = len(scored)
    per_test = [(name, points, (n - fails[name]) / n if n else float("nan")) for name, points in tests]
    return {
        "statuses": Counter(r["status"] for r in rows),
        "n": n,
        "scores": scores,
        "max_score": max((float(r["max_score"]) for r in scored if r.get("max_score")), default=0.0),
        "mean": sum(scores) / n if n else float("nan"),
        "median": scores[n // 2] if n else float("nan"),
        "full_marks": sum(1 for r in scored if r["score"] == r["max_score"]),
        "per_test": sorted(per_test, key=lambda t: t[2]),
        "aspects": Counter(a for r in scored for a in (r.get("failed_aspects") or "").split(";") if a).most_common(15),
    }


def markdown(assignment: str, s: dict) -> str:
    lines = [f"# {assignment}: {sum(s['statuses'].values())} submission(s)", "",
             "| status | count |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in sorted(s["statuses"].items())]
    lines += ["", f"Scored: {s['n']}; mean {s['mean']:.2f} / {s['max_score']:g}, median {s['median']:g}, "
              f"full marks {s['full_marks']}.", "", "| test | points | passed by |", "| --- | --- | --- |"]
    lines += [f"| {name} | {points:g} | {rate:.0%} |" for name, points, rate in s["per_test"]]
    if s.get("aspects"):
        lines += ["", "| aspect most often failed | submissions |", "| --- | --- |"]
        lines += [f"| {name.replace('|', '/')} | {count} |" for name, count in s["aspects"]]
    return "\n".join(lines) + "\n"


def plot(assignment: str, s: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    top = s["max_score"] or 1.0
    ax1.hist(s["scores"], bins=min(20, max(5, int(top) + 1)), range=(0, top), color="#4c72b0")
    ax1.set(title=f"{assignment}: scores ({s['n']} scored)", xlabel="score", ylabel="submissions")
    names = [t[0] for t in s["per_test"]][::-1]
    rates = [100 * t[2] for t in s["per_test"]][::-1]
    ax2.barh(names, rates, color="#55a868")
    ax2.set(xlim=(0, 100), xlabel="% of scored submissions passing", title="per-test pass rate (worst at the top)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_summaries(out_dir: Path, rows: list[dict], course: Path) -> list[Path]:
    """One markdown table and one plot per assignment found in ``rows``; returns the paths."""
    written = []
    for a in sorted({r["assignment"] for r in rows}):
        if not (Path(course) / "gradebook.db").exists():
            break
        try:
            tests = test_cells(course, a)
        except Exception:  # noqa: BLE001 - an unknown assignment has no gradebook entry
            continue
        s = summarize([r for r in rows if r["assignment"] == a], tests)
        md = Path(out_dir) / "summary" / f"{a}.md"
        md.parent.mkdir(parents=True, exist_ok=True)
        md.write_text(markdown(a, s), encoding="utf-8")
        plot(a, s, md.with_suffix(".png"))
        written += [md, md.with_suffix(".png")]
    return written
