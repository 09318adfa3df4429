"""`validate` tells pass from fail by its exit code; `publish` writes a tree that leaks nothing."""

import re

import nbformat
import pytest

from .support import (GENERIC_LINES, HIDDEN_BEGIN, HIDDEN_END, NOTEBOOKS, ROOT, SOLUTION_BEGIN, SOLUTION_END, public_lines, region_lines,
                      release_notebook, run_cli, solution_notebook, submission, assignment_names)

ASSIGNMENTS = assignment_names()


def all_secret_lines(assignments=None) -> set[str]:
    """Non-trivial solution and hidden-test lines of the given assignments (default: all)."""
    out = set()
    for a in assignments or ASSIGNMENTS:
        nb = nbformat.read(solution_notebook(a), 4)
        mine = set()
        for cell in nb.cells:
            for ln in region_lines(cell.source, SOLUTION_BEGIN, SOLUTION_END) + region_lines(cell.source, HIDDEN_BEGIN, HIDDEN_END):
                s = ln.strip()
                if len(s) >= 16 and not s.startswith("#") and s not in GENERIC_LINES:
                    mine.add(s)
        out |= mine - public_lines(nb)
    return out


@pytest.mark.slow
@pytest.mark.xdist_group("validate")
def test_validate_fails_on_stubs_and_passes_a_solved_notebook(tmp_path):
    r = run_cli("validate", str(release_notebook("01_sgd")))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL" in r.stdout and "NotImplementedError" in r.stdout
    solved = tmp_path / "01_sgd.ipynb"
    nbformat.write(submission("01_sgd"), str(solved))
    r = run_cli("validate", str(solved))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed, 0 failed" in r.stdout


@pytest.mark.xdist_group("validate")
def test_validate_reports_a_corrupt_notebook(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{ not json")
    r = run_cli("validate", str(bad))
    assert r.returncode == 1 and "ERROR" in r.stdout


def test_course_utils_contains_no_solution():
    secrets = all_secret_lines()
    for f in (ROOT / "course_utils").rglob("*.py"):
        lines = {ln.strip() for ln in f.read_text().splitlines()}
        assert not (lines & secrets), f"{f} contains solution or hidden-test lines: {sorted(lines & secrets)[:3]}"


def test_publish_writes_a_student_tree_without_solutions(tmp_path):
    dest = tmp_path / "student"
    r = run_cli("publish", str(dest))
    assert r.returncode == 0, r.stdout + r.stderr
    for forbidden in ("solutions", "tests", ".git"):
        assert not (dest / forbidden).exists(), f"{forbidden}/ must not be published"
    for a in ASSIGNMENTS:
        assert (dest / "notebooks" / a / f"{a}.ipynb").read_bytes() == release_notebook(a).read_bytes()
    assert (dest / "course_utils" / "__init__.py").exists()
    assert (dest / "Makefile").exists() and "lab:" in (dest / "Makefile").read_text()
    secrets = all_secret_lines()
    own = {a: all_secret_lines([a]) for a in ASSIGNMENTS}
    for f in dest.rglob("*"):
        if f.is_file():
            rel = f.relative_to(dest).parts
            # A release notebook is checked against its own assignment's secrets: across eleven
            # notebooks, short generic lines (a loop header) legitimately recur.
            secrets_here = own[rel[1]] if rel[0] == "notebooks" and rel[1] in own else secrets
            text = f.read_text(encoding="utf-8", errors="replace")
            assert "BEGIN HIDDEN TESTS" not in text, f"{f} holds a hidden test marker"
            leaked = secrets_here & {ln.strip() for ln in text.replace("\\n", "\n").splitlines()}
            assert not leaked, f"{f} leaks solution lines: {sorted(leaked)[:3]}"
    r = run_cli("publish", str(dest))
    assert r.returncode != 0, "publishing over a non-empty folder must refuse"


def test_the_published_tree_links_only_to_what_it_holds(tmp_path):
    """Every relative link of every Markdown file in the student tree (its README first) resolves
    inside the tree: none leads to tests/, solutions/ or an instructor guide it leaves out."""
    dest = tmp_path / "student"
    assert run_cli("publish", str(dest)).returncode == 0
    readme = (dest / "README.md").read_text(encoding="utf-8")
    assert "make lab" in readme and "make test" in readme and "01_sgd" in readme
    broken = []
    for md in dest.rglob("*.md"):
        for target in re.findall(r"\]\(([^)\s]+)\)", md.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (md.parent / target.split("#", 1)[0]).resolve()
            if not path.exists():
                broken.append(f"{md.relative_to(dest)} -> {target}")
    assert broken == [], broken


def test_every_guide_names_the_notebooks_whose_points_are_split_into_aspects():
    """The README and the students' guide say which notebooks give partial credit by aspects; the
    set is read from the notebooks (a code cell that builds ``Aspects(...)``), so the text follows
    when an assignment is converted, and the published README computes its sentence the same way."""
    from autograder.publish import aspect_notebooks, number_ranges

    split = number_ranges([n for n in aspect_notebooks(NOTEBOOKS) if n != "00"])
    claims = []
    for path in (ROOT / "README.md", ROOT / "docs" / "students.md"):
        text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
        found = re.findall(r"notebooks ((?:\d\d(?:-\d\d)?(?:, | and )?)+)(?:,)? (?:their|each test cell's) points are "
                           r"split into \**aspects", text)
        found += re.findall(r"aspects \(notebooks ((?:\d\d(?:-\d\d)?(?:, | and )?)+)\)", text)
        found += re.findall(r"\(in notebooks ((?:\d\d(?:-\d\d)?(?:, | and )?)+)\)", text)
        claims += [(path.name, f) for f in found]
    assert claims, "the README and docs/students.md no longer say which notebooks split points into aspects"
    wrong = [f"{name}: 'notebooks {f}'" for name, f in claims if f != split]
    assert not wrong, f"the notebooks that split points into aspects are {split}, but " + "; ".join(wrong)
