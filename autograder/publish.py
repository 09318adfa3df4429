"""``publish``: a student-only copy of the course, for instructors who keep ``solutions/`` private.

The tree holds the release notebooks, ``course_utils``, ``autograder`` (so that students can run
``python -m autograder validate``; it holds no solution), the set-up files and the docs: no
``solutions/`` and no ``tests/`` (they hold the mistake corpus and oracle code). Its Makefile's
``test`` target checks that the helper package imports and the notebooks are valid. Its README is
the course's front page cut for students (:func:`student_readme`): the commands, the notebook
table and links to the guides the tree holds, none to what it leaves out.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

#: What a student needs, relative to the repository root.
STUDENT_FILES = ["README.md", "requirements.txt", "environment.yml", "pyproject.toml", "LICENSE", ".gitignore"]
STUDENT_DIRS = ["notebooks", "course_utils", "autograder", "docs"]
#: Instructor-only documents inside docs/.
INSTRUCTOR_DOCS = ["authoring.md", "instructors.md"]

STUDENT_MAKEFILE = """\
# Student copy of "Training Neural Networks II, hands-on". `make lab` opens the course.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test install

$(PY):
\t$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt pyproject.toml
\t$(PY) -m pip install --quiet --upgrade pip
\t$(PY) -m pip install --quiet -r requirements.txt
\t$(PY) -m pip install --quiet --no-deps -e .
\ttouch $(STAMP)

install: $(STAMP)

ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: install
\t$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG) $(LAB_ARGS)

# Checks that the helper package imports and every notebook is a valid nbgrader release.
test: install
\t$(PY) -c "import course_utils, nbformat, glob; [nbformat.validate(nbformat.read(p, 4)) for p in glob.glob('notebooks/*/*.ipynb')]; print('ok')"
"""


STUDENT_README_TAIL = """\
## Checking your work

Each notebook's visible tests run as you go; `python -m autograder validate notebooks/01_sgd/01_sgd.ipynb`
runs a whole notebook as the grader will and names every test and aspect that fails, with its
message. The hidden tests (compared with an independent oracle such as `torch.optim`) run only when
your work is graded. {aspects}

## Guides

- [Students](docs/students.md): set-up (your computer, conda or a JupyterHub), working on a
  notebook, validating, what the grader checks.
- [Self-learners](docs/self-learners.md): checking your work without a grader or a GPU.
"""


def aspect_notebooks(notebooks: Path) -> list[str]:
    """The numbers ("01", ...) of the notebooks under ``notebooks/`` whose tests split their points
    into aspects (a code cell builds ``Aspects(...)``), in order."""
    import json

    numbers = []
    for path in sorted(Path(notebooks).glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        sources = ("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
        if any(re.search(r"\bAspects\(", s) for s in sources):
            numbers.append(path.name[:2])
    return numbers


def number_ranges(numbers: list[str]) -> str:
    """``["01", "02", "03", "08"]`` -> ``"01-03 and 08"``: runs of consecutive numbers as ranges."""
    runs: list[list[str]] = []
    for n in numbers:
        if runs and int(n) == int(runs[-1][-1]) + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [r[0] if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def aspects_sentence(notebooks: Path) -> str:
    """What the student README says about partial credit, computed from the notebooks themselves."""
    graded = [p.name[:2] for p in sorted(Path(notebooks).glob("[0-9][0-9]_*")) if p.name[:2] != "00"]
    split = [n for n in aspect_notebooks(notebooks) if n in graded]
    if not split:
        return "Each test scores all or nothing."
    claim = (f"In notebooks {number_ranges(split)} each test's points are split into aspects, so that a correct "
             "algorithm that misses one requirement keeps most of its points and is told which one")
    rest = [n for n in graded if n not in split]
    if not rest:
        return claim.replace(f"In notebooks {number_ranges(split)}", "In every graded notebook") + "."
    return claim + f"; the tests of notebooks {number_ranges(rest)} still score all or nothing, for now."


def student_readme(readme: str, notebooks: Path | None = None) -> str:
    """The course README for the student tree: its title, commands, introduction and notebook table
    (everything before ``## Testing``), ``make test`` described as the student Makefile's, then how
    to check one's work (the notebooks that split points into aspects found in ``notebooks``) and
    the student guides."""
    head = readme.split("\n## Testing", 1)[0].rstrip() + "\n"
    head = re.sub(r"make test +#[^\n]*", "make test    # checks that the helper package imports and every notebook is valid",
                  head, count=1)
    head = re.sub(r"Run times were measured.*?(\n\n|$)", "Run times were measured on a 2-core CPU machine with the "
                  "solutions filled in (kernel start included).\\1", head, count=1, flags=re.S)
    aspects = textwrap.fill(aspects_sentence(notebooks), 100) if notebooks else ""
    return head + "\n" + STUDENT_README_TAIL.replace("{aspects}", aspects)


def _ignore(_dir, names):
    return [n for n in names if n in ("__pycache__", ".ipynb_checkpoints") or n.endswith(".pyc")]


def publish(root: Path, dest: Path, log=print) -> Path:
    """Write the student tree to ``dest`` (which must not exist or be empty)."""
    root, dest = Path(root), Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise SystemExit(f"{dest} exists and is not empty; choose a new folder")
    dest.mkdir(parents=True, exist_ok=True)
    for name in STUDENT_FILES:
        if (root / name).exists():
            shutil.copy2(root / name, dest / name)
    for name in STUDENT_DIRS:
        if (root / name).is_dir():
            shutil.copytree(root / name, dest / name, ignore=_ignore)
    for doc in INSTRUCTOR_DOCS:
        (dest / "docs" / doc).unlink(missing_ok=True)
    if (root / "README.md").exists():
        (dest / "README.md").write_text(student_readme((root / "README.md").read_text(encoding="utf-8"),
                                                       root / "notebooks"),
                                        encoding="utf-8")
    (dest / "Makefile").write_text(STUDENT_MAKEFILE, encoding="utf-8")
    log(f"published the student tree to {dest}")
    return dest
