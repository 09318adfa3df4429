"""What a graded notebook's test cells say, for people: per test cell and aspect.

- :func:`test_results`: each autograded test cell of an executed notebook with its score (nbgrader's
  rule), and either its aspects (a cell scored by :class:`course_utils.aspects.Aspects`) or the
  error it ended with.
- :func:`failed_aspects`: the ``grades.csv`` column (``test_id: aspect`` for each failed aspect).
- :func:`describe_failure`: what ``validate`` prints for a failed cell: the test, its points, and
  each failed aspect or the error with its whole message.
- :func:`summary_html` and :func:`finish_feedback`: the table that opens each feedback report, and
  the report's math rendered as MathML on the grading machine (no MathJax from a CDN).

Only outputs are read: a hidden test's source never reaches any of these.
"""

from __future__ import annotations

import html
import re

from nbgrader import utils as nbutils

#: The MIME type a scored cell's result carries (``course_utils.aspects.MIME``; not imported:
#: the grader does not import the package the submission runs against).
ASPECTS_MIME = "application/vnd.tnn2.aspects+json"


def _function_of(grade_id: str) -> str:
    m = re.fullmatch(r"test_(.+?)_(visible|hidden)", grade_id)
    return m.group(1) if m else grade_id


def _error_text(output) -> str:
    if output.get("output_type") == "error":
        return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
    return (output.get("text") or "").strip()


def test_results(nb) -> list[dict]:
    """One dict per autograded test cell of an executed notebook: ``id``, ``function``, ``points``,
    ``score``, ``aspects`` (list of ``{name, points, required, passed, reason}``, empty for a cell
    without aspects) and ``error`` (the error or stderr the cell ended with, else "")."""
    out = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not nbutils.is_grade(cell) or nbutils.is_solution(cell):
            continue
        gid = cell.metadata["nbgrader"].get("grade_id", "?")
        try:
            score, points = nbutils.determine_grade(cell)
        except (ValueError, KeyError):  # a result nbgrader cannot read: it fails the cell itself
            score, points = None, float(cell.metadata["nbgrader"].get("points", 0))
        aspects, error = [], ""
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" or (output.get("output_type") == "stream"
                                                        and output.get("name") == "stderr"):
                error = _error_text(output)
                break
            if output.get("output_type") == "execute_result":
                data = output.get("data", {}).get(ASPECTS_MIME)
                if isinstance(data, dict) and isinstance(data.get("aspects"), list):
                    aspects = [a for a in data["aspects"] if isinstance(a, dict)]
                break
        out.append({"id": gid, "function": _function_of(gid), "points": points, "score": score,
                    "aspects": aspects, "error": error})
    return out


def failed_aspects(nb) -> list[str]:
    """``test_id: aspect`` for each failed aspect of each test cell that lost points."""
    names = []
    for r in test_results(nb):
        if r["score"] is None or r["score"] < r["points"]:
            names += [f"{r['id']}: {a.get('name', '?')}" for a in r["aspects"] if not a.get("passed")]
    return names


def _indent(text: str, pad: str = "      ") -> str:
    return pad + text.replace("\n", "\n" + pad)


def describe_failure(cell) -> str:
    """What went wrong in one failed test cell, whole messages included, for ``validate``."""
    from nbformat import NotebookNode

    r = test_results(NotebookNode(cells=[cell]))
    if not r:
        return "this cell failed"
    r = r[0]
    head = f"{r['id']} ({'?' if r['score'] is None else format(r['score'], 'g')} of {r['points']:g} points)"
    if r["error"]:
        return f"{head}:\n{_indent(r['error'])}"
    lines, said = [f"{head}:"], None
    for a in r["aspects"]:
        if not a.get("passed"):
            what = "required" if a.get("required") else f"{a.get('points', 0):g} point(s)"
            reason = str(a.get("reason", ""))
            why = "(the same message as above)" if reason == said else reason
            said = reason
            lines.append(f"    failed: {a.get('name', '?')} ({what}):\n{_indent(why, '        ')}")
    if len(lines) == 1:
        lines.append("    passed some but not all of its checks")
    return "\n".join(lines)


def summary_html(nb) -> str:
    """The table that opens a feedback report: per graded function, each test cell's points and,
    per aspect, passed or failed with its reason."""
    rows = []
    for r in test_results(nb):
        score = "?" if r["score"] is None else f"{r['score']:g}"
        cell = f"<a href='#{html.escape(r['id'])}'>{html.escape(r['id'])}</a>"
        if r["aspects"]:
            parts = []
            for a in r["aspects"]:
                ok, unchecked = a.get("passed"), a.get("checked") is False
                mark = "<span style='color:#57606a'>&#8211; not checked</span>" if unchecked else \
                    "<span style='color:#1a7f37'>&#10004; passed</span>" if ok else \
                    "<span style='color:#cf222e'>&#10008; failed</span>"
                pts = "required" if a.get("required") else f"{a.get('points', 0):g} pt"
                why = "" if ok and not unchecked else ": " + html.escape(str(a.get("reason", ""))).replace("\n", "<br>")
                parts.append(f"<li>{mark} {html.escape(str(a.get('name', '?')))} ({pts}){why}</li>")
            detail = f"<ul style='margin:0'>{''.join(parts)}</ul>"
        elif r["error"]:
            detail = "<span style='color:#cf222e'>&#10008; " + html.escape(r["error"]).replace("\n", "<br>") + "</span>"
        else:
            detail = "<span style='color:#1a7f37'>&#10004; passed</span>"
        rows.append(f"<tr><td>{html.escape(r['function'])}</td><td>{cell}</td>"
                    f"<td>{score} / {r['points']:g}</td><td style='text-align:left'>{detail}</td></tr>")
    return ("<div id='tnn2-summary' style='margin:1em 2em'><h3>What your tests found</h3>"
            "<table class='table table-condensed'><thead><tr><th>function</th><th>test</th><th>points</th>"
            "<th style='text-align:left'>aspects</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


_PROTECTED = re.compile(r"(<(pre|code|script|style|textarea)\b.*?</\2\s*>)", re.S | re.I)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$\w])\$(?![\s$])([^$<]+?)(?<![\s\\])\$(?![\w$])")
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


def _mathml(tex: str, display: str) -> str | None:
    from latex2mathml.converter import convert

    try:
        return convert(html.unescape(tex), display=display)
    except Exception:  # noqa: BLE001 - math it cannot read stays as it was written
        return None


def render_math(page: str) -> str:
    """``$...$`` and ``$$...$$`` outside code, as MathML (every current browser draws it)."""
    def text_part(part: str) -> str:
        part = _DISPLAY.sub(lambda m: _mathml(m.group(1), "block") or m.group(0), part)
        return _INLINE.sub(lambda m: _mathml(m.group(1), "inline") or m.group(0), part)

    pieces = _PROTECTED.split(page)
    out, i = [], 0
    while i < len(pieces):
        out.append(text_part(pieces[i]))
        if i + 1 < len(pieces):
            out.append(pieces[i + 1])  # the protected element, untouched
        i += 3
    return "".join(out)


def finish_feedback(page: str, nb) -> str:
    """nbgrader's feedback page with the summary table first and its math as MathML; the MathJax
    loader (a CDN script, which offline shows raw ``$...$``) is removed."""
    page = _MATHJAX.sub("<!-- math rendered as MathML when graded -->", page)
    page = render_math(page)
    return page.replace("<body>", "<body>\n" + summary_html(nb), 1)
