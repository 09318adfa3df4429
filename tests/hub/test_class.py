"""A class on a real JupyterHub, end to end, with real Unix accounts (:mod:`classroom`).

The instructor releases ``01_sgd``; five students log in through the hub's login form and their
servers' APIs (what JupyterLab's Assignments tab calls), fetch and submit: one correct, one half
done (passes the visible test, fails the hidden one: 2/5), one hostile (rebinds the check helpers:
``tampered``, 0), one submitting twice (an untouched stub, then a correct answer: the later one
counts), one never. The hostile student also attacks the exchange from their own account: every
attack must fail (or, for a forged submission, be ignored by collect). The instructor collects,
the grader grades (sandboxed workers), the feedback goes back through the exchange, and each student
fetches their own: the gradebook, ``grades.csv`` and each student's feedback page agree.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from tests.hostile import CASES
from tests.support import mistakes, record_measurement, submission

from .client import HubUser, feedback_score

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hub")]

A = "01_sgd"
COURSE = "tnn2"


def _half_done():
    (path,) = [p for gid, name, p in mistakes(A) if name == "clips_gradient"]
    return submission(A, {"sgd": path.read_text()})


def _as_user(cls, user: str, code: str) -> dict:
    """Run Python ``code`` as ``user``; it prints one JSON line, returned as a dict."""
    python = cls.settings()["python"]
    r = subprocess.run(["runuser", "-u", user, "--", python, "-c", code], capture_output=True, text=True,
                       timeout=60, cwd="/")
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"{user}: {r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return json.loads(lines[-1])


#: Each attack, as Python run by the hostile student: what it tries, with paths filled in. Each
#: prints {"ok": true} if the attack worked.
ATTACKS = {
    "list the inbound (every submission's name)": "os.listdir({inbound!r})",
    "read another student's submission by its name": "open({victim_nb!r}).read()",
    "overwrite another student's notebook": "open({victim_nb!r}, 'w').write('{{}}')",
    "add a file to another student's submission": "open(os.path.join({victim_dir!r}, 'extra.py'), 'w').write('x')",
    "rename (hide) another student's submission": "os.rename({victim_dir!r}, {victim_dir!r} + '.gone')",
    "delete another student's submission": "shutil.rmtree({victim_dir!r})",
    "replace the released notebook": "open({released!r}, 'w').write('{{}}')",
    "add a notebook to the release": "open(os.path.join(os.path.dirname({released!r}), 'x.ipynb'), 'w').write('{{}}')",
    "list the released feedback": "os.listdir({feedback!r})",
    "read the solutions in the course repository": "open({solution!r}).read()",
    "list the instructor's home": "os.listdir({instructor_home!r})",
    "read another student's home": "os.listdir({victim_home!r})",
}


def _attack(cls, user: str, what: str, code: str) -> bool:
    wrapped = ("import json, os, shutil\ntry:\n    " + code + "\n    print(json.dumps({'ok': True}))\n"
               "except OSError as e:\n    print(json.dumps({'ok': False, 'error': type(e).__name__}))\n")
    return _as_user(cls, user, wrapped)["ok"]


def _browser_unavailable() -> str | None:
    from tests.browser.lab import chromium_path

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    return None if chromium_path() else "Debian's chromium is not installed"


@contextlib.contextmanager
def _logged_in_chromium(cls, account):
    """Chromium, logged in through the hub's form as ``account``, on their JupyterLab: the page."""
    from playwright.sync_api import sync_playwright

    from tests.browser.lab import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{cls.url}/hub/login", timeout=60_000)
            page.fill("#username_input", account.user)
            page.fill("#password_input", account.password)
            page.click("#login_submit")
            page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
            yield page
        finally:
            browser.close()


def _in_jupyterlab(cls, account, answer) -> dict:
    """``account`` logs in through the hub's form in Chromium, opens Nbgrader > Assignment List,
    clicks Fetch, saves ``answer`` as the fetched notebook (through the server's contents API,
    with the browser's own session) and clicks Submit. Returns what the page showed."""
    from tests.browser.lab import menu, screenshot

    seen = {}
    with _logged_in_chromium(cls, account) as page:
        seen["lab_url"] = page.url
        menu(page, "Nbgrader", "Assignment List")
        fetch = page.locator("button", has_text=re.compile("^Fetch$")).first
        fetch.wait_for(timeout=60_000)
        seen["released_row"] = fetch.locator("xpath=ancestor::*[contains(@class,'list_item')][1]").inner_text()
        fetch.click()
        submit = page.locator("button", has_text=re.compile("^Submit$")).first
        submit.wait_for(timeout=60_000)
        xsrf = next(c["value"] for c in page.context.cookies() if c["name"] == "_xsrf"
                    and c["path"].startswith(f"/user/{account.user}"))
        r = page.request.put(f"{cls.url}/user/{account.user}/api/contents/{A}/{A}.ipynb",
                             headers={"X-XSRFToken": xsrf, "Content-Type": "application/json"},
                             data=json.dumps({"type": "notebook", "format": "json", "content": answer}))
        seen["saved"] = r.status
        submit.click()
        page.wait_for_function("() => /submitted/i.test(document.body.innerText) && "
                               "/\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}/.test(document.body.innerText)",
                               timeout=60_000)
        seen["panel"] = page.locator("#jp-main-dock-panel").inner_text()
        seen["body"] = page.locator("body").inner_text()  # toasts included (the news prompt is one)
        screenshot(page, "hub-student-submitted")
    return seen


@pytest.fixture(scope="module")
def run(demo_class):
    """The whole round trip, once; the tests below check its parts."""
    from classroom import hub, layout

    cls = demo_class
    accounts = cls.accounts()
    instructor = next(a for a in accounts if a.role == "instructor")
    s1, s2, s3, s4, s5 = [a for a in accounts if a.role == "student"]
    out = {"cls": cls, "students": {a.user: a for a in (s1, s2, s3, s4, s5)}, "instructor": instructor,
           "timings": {}}
    t0 = time.perf_counter()
    hub.release(cls, A)

    answers = {s1.user: submission(A), s2.user: _half_done(), s3.user: CASES["rebind-helpers"][1]({}),
               s4.user: submission(A, {"sgd": "stub"})}
    out["browser_skipped"] = _browser_unavailable()
    if out["browser_skipped"] is None:  # s1 works in JupyterLab, in Chromium
        out["browser"] = _in_jupyterlab(cls, s1, answers[s1.user])
        out["timings"]["s1 in Chromium"] = time.perf_counter() - t0
    users = {a.user: HubUser(cls.url, a.user, a.password) for a in (s1, s2, s3, s4)}
    for user in users.values():
        user.login()
    out["timings"]["logins, servers started"] = time.perf_counter() - t0
    listed = {name: [x["assignment_id"] for x in u.assignments(COURSE)] for name, u in users.items()}
    out["listed"] = listed

    for name, u in users.items():
        if name == s1.user and out["browser_skipped"] is None:
            continue
        u.assignment_action("fetch", COURSE, A)
        u.put_notebook(f"{A}/{A}.ipynb", answers[name])
        assert u.assignment_action("submit", COURSE, A)["success"], name
    time.sleep(1.1)  # the second submission of s4 gets a later timestamp
    users[s4.user].put_notebook(f"{A}/{A}.ipynb", submission(A))
    assert users[s4.user].assignment_action("submit", COURSE, A)["success"]

    # the hostile student's attacks, from their own account
    inbound = layout.course_exchange(cls.state) / "inbound"
    (victim_dir,) = [p for p in inbound.iterdir() if p.name.startswith(f"{s1.user}+")]
    paths = {"inbound": str(inbound), "victim_dir": str(victim_dir), "victim_nb": str(victim_dir / f"{A}.ipynb"),
             "released": str(layout.course_exchange(cls.state) / "outbound" / A / f"{A}.ipynb"),
             "feedback": str(layout.course_exchange(cls.state) / "feedback"),
             "solution": str(hub.REPO / "solutions" / A / f"{A}.ipynb"),
             "instructor_home": str(cls.course.parent), "victim_home": str(s1.home)}
    out["attacks"] = {what: _attack(cls, s3.user, what, code.format(**paths)) for what, code in ATTACKS.items()}
    # a submission forged under s1's name (newer than s1's), one that links to a file of the
    # instructor's, and one whose name does not parse: all made by s3, all to be ignored by collect
    # (a backdated one: tests/unit/test_classroom_exchange.py)
    stamp = "2099-01-01 00:00:00.000000 UTC"
    forged = inbound / f"{s1.user}+{A}+{stamp}+forged"
    linked = inbound / f"{s3.user}+{A}+{stamp}+linked"
    junk = inbound / f"{s3.user}+{A}+not-a-date+x"
    wrong = nbformat.writes(CASES["rebind-helpers"][1]({}))
    made = _as_user(cls, s3.user, (
        "import json, os\n"
        f"os.mkdir({str(forged)!r}); open(os.path.join({str(forged)!r}, '{A}.ipynb'), 'w').write({wrong!r})\n"
        f"os.mkdir({str(linked)!r}); os.symlink({str(cls.course / 'release' / A / (A + '.ipynb'))!r}, "
        f"os.path.join({str(linked)!r}, '{A}.ipynb'))\n"
        f"os.mkdir({str(junk)!r})\n"

        "print(json.dumps({'ok': True}))\n"))
    out["made_forgeries"] = made["ok"]

    t1 = time.perf_counter()
    out["collect"] = hub.collect(cls, A)
    out["graded"] = hub.grade(cls, A)
    out["released_feedback"] = hub.return_feedback(cls, A)
    out["timings"]["collect, grade, return feedback"] = time.perf_counter() - t1
    out["attacks"]["read another student's released feedback by its name"] = any(
        _attack(cls, s3.user, "", f"open({str(f)!r}).read()") for f in out["released_feedback"]
        if f.stat().st_uid != s3.uid)

    out["fetched"] = {}
    for name, u in users.items():
        u.assignment_action("fetch_feedback", COURSE, A)
        listing = u.api("GET", f"api/contents/{A}/feedback").json()
        pages = []
        for stamp_dir in listing.get("content") or []:
            for f in u.api("GET", f"api/contents/{stamp_dir['path']}").json()["content"]:
                pages.append(u.get_file(f["path"]).json()["content"])
        out["fetched"][name] = pages
    out["users"] = users
    out["timings"]["whole round trip"] = time.perf_counter() - t0
    record_measurement("hub round trip", ", ".join(f"{k}: {v:.1f} s" for k, v in out["timings"].items()))
    return out


def _rows(run) -> dict:
    from autograder.grade import read_table

    return {r["student_id"]: r for r in read_table(run["graded"] / "grades.csv")}


def test_students_see_the_released_assignment(run):
    assert all(A in ids for ids in run["listed"].values()), run["listed"]


def test_a_student_fetches_and_submits_in_jupyterlab(run):
    """Chromium, the hub's login form, JupyterLab's Assignments tab: Fetch, then Submit."""
    from tests.browser.conftest import browser_required

    if run["browser_skipped"]:
        if browser_required():
            pytest.fail(f"browser required (COURSE_REQUIRE_BROWSER) but: {run['browser_skipped']}")
        pytest.skip(run["browser_skipped"])
    seen = run["browser"]
    user = next(iter(run["students"]))
    assert seen["lab_url"].startswith(f"{run['cls'].url}/user/{user}/lab"), seen["lab_url"]
    assert A in seen["released_row"], seen["released_row"]
    assert seen["saved"] == 200
    assert "formgrader" not in seen["panel"].lower()
    assert "jupyter news" not in seen["body"].lower(), "JupyterLab asked the student about Jupyter news"
    submitted = run["cls"].course / "submitted" / user / A / f"{A}.ipynb"
    assert submitted.exists(), "the submission made in JupyterLab was not collected"


def test_every_attack_on_the_exchange_fails(run):
    worked = [what for what, ok in run["attacks"].items() if ok]
    assert worked == [], f"attacks that worked for a student: {worked}"
    assert len(run["attacks"]) == len(ATTACKS) + 1


def test_collect_takes_each_students_latest_own_submission(run):
    s1, s2, s3, s4, s5 = run["students"].values()
    assert run["made_forgeries"], "the hostile student could not even create the forged folders"
    submitted = run["cls"].course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted([s1.user, s2.user, s3.user, s4.user])
    got = {u: nbformat.read(submitted / u / A / f"{A}.ipynb", 4) for u in (s1.user, s3.user, s4.user)}
    sgd = {u: next(c.source for c in nb.cells if "def sgd" in c.source) for u, nb in got.items()}
    assert sgd[s1.user] == next(c.source for c in submission(A).cells if "def sgd" in c.source), (
        "s1's collected answer is not s1's own (the forged newer submission was taken?)")
    assert "_c.check_close = lambda" in sgd[s3.user], "s3's own (hostile) submission was not the one collected"
    assert "raise NotImplementedError" not in sgd[s4.user], "s4's later submission must count"
    log = run["collect"].stdout + run["collect"].stderr
    for reason in ("owned by", "not a plain file", "no valid timestamp"):
        assert reason in log, f"collect did not say why it rejected a folder ({reason!r}):\n{log[-3000:]}"


def test_grades_follow_what_each_student_submitted(run):
    s1, s2, s3, s4, s5 = run["students"].values()
    rows = _rows(run)
    got = {u: (rows[u]["status"], rows[u]["score"]) for u in rows}
    assert got == {s1.user: ("graded", "5"), s2.user: ("graded", "2"), s3.user: ("tampered", "0"),
                   s4.user: ("graded", "5")}, got
    assert s5.user not in rows


def test_gradebook_grades_and_feedback_agree(run):
    from nbgrader.api import Gradebook

    rows = _rows(run)
    with Gradebook(f"sqlite:///{run['graded'] / 'course' / 'gradebook.db'}") as gb:
        for user, row in rows.items():
            if row["status"] != "graded":
                continue
            assert float(row["score"]) == pytest.approx(gb.find_submission(A, user).score), user
            pages = run["fetched"][user]
            assert len(pages) == 1, f"{user} fetched {len(pages)} feedback pages"
            assert feedback_score(pages[0]) == f"{float(row['score'])}/{float(row['max_score'])}", user


def test_each_student_fetches_only_their_own_feedback(run):
    for user, pages in run["fetched"].items():
        for page in pages:
            others = [u for u in run["students"] if u != user and u in page]
            assert not others, f"{user}'s feedback names {others}"
    assert all(f.stat().st_mode & 0o007 == 0 for f in run["released_feedback"])


def _formgrader_in_its_own_tab(cls, account) -> str:
    """The instructor logs in through the hub's form in Chromium and opens the formgrader's address
    in a tab of its own (not JupyterLab's iframe, which JupyterHub forbids): the text it shows once
    its assignment table has loaded."""
    from tests.browser.lab import screenshot

    with _logged_in_chromium(cls, account) as page:
        page.goto(f"{cls.url}/user/{account.user}/formgrader", timeout=60_000)
        page.wait_for_function(f"() => document.body.innerText.includes({A!r})", timeout=60_000)
        screenshot(page, "hub-instructor-formgrader")
        return page.inner_text("body")


def test_the_formgrader_is_the_instructors_alone(run):
    cls = run["cls"]
    if run["browser_skipped"] is None:
        shown = _formgrader_in_its_own_tab(cls, run["instructor"])
        assert "Manage Assignments" in shown and A in shown, shown[:2000]
    instructor = HubUser(cls.url, run["instructor"].user, run["instructor"].password)
    instructor.login()
    page = instructor.api("GET", "formgrader")
    assert page.status_code == 200 and "formgrader" in page.text.lower()
    student = run["users"][next(iter(run["users"]))]
    assert student.api("GET", "formgrader").status_code == 404, "a student's server serves the formgrader"
    other = student.http.get(f"{cls.url}/user/{run['instructor'].user}/lab", timeout=60)
    assert other.status_code == 403 or "/hub/" in other.url and other.status_code != 200, (
        f"a student reached the instructor's server: {other.status_code} {other.url}")


def test_the_attacks_work_on_nbgraders_default_exchange(run):
    """The protections are what stop the attacks: on an exchange laid out as nbgrader's documentation
    says (a world-writable root) with nbgrader's default classes, the same hostile student reads and
    overwrites another's submission by its name, and collect takes a submission forged under
    another student's name."""
    from classroom import hub

    cls = run["cls"]
    s1, s2, s3, s4, s5 = run["students"].values()
    stock = cls.state / "stock-exchange"
    stock.mkdir()
    os.chmod(stock, 0o777)
    default = "nbgrader.exchange.default."
    flags = [f"--Exchange.root={stock}"] + [f"--ExchangeFactory.{k}={default}{v}" for k, v in {
        "exchange": "Exchange", "release_assignment": "ExchangeReleaseAssignment", "submit": "ExchangeSubmit",
        "fetch_assignment": "ExchangeFetchAssignment", "collect": "ExchangeCollect"}.items()]
    hub.as_instructor(cls, "nbgrader", "release_assignment", A, "--force", *flags)
    def as_student(user, *args):
        hub.as_account(cls, user, "student", "nbgrader", *args, *flags)

    work = f"/home/{s5.user}/stock"
    subprocess.run(["runuser", "-u", s5.user, "--", "mkdir", "-p", work], check=True)
    as_student(s5.user, "fetch_assignment", A, f"--Exchange.assignment_dir={work}")
    as_student(s5.user, "submit", A, f"--Exchange.assignment_dir={work}")
    (victim,) = [p for p in (stock / COURSE / "inbound").iterdir() if p.name.startswith(f"{s5.user}+")]
    victim_nb = str(victim / f"{A}.ipynb")
    assert _attack(cls, s3.user, "", f"open({victim_nb!r}).read()"), "nbgrader's default submission is readable"
    assert _attack(cls, s3.user, "", f"open(os.path.join({str(victim)!r}, 'extra.py'), 'w').write('x')"), (
        "nbgrader's default submission folder is writable by everyone (0777)")
    forged = stock / COURSE / "inbound" / f"{s5.user}+{A}+2099-01-01 00:00:00.000000 UTC+forged"
    _as_user(cls, s3.user, f"import os, json; os.mkdir({str(forged)!r}); "
                           f"open(os.path.join({str(forged)!r}, '{A}.ipynb'), 'w').write('{{}}'); print(json.dumps({{}}))")
    r = hub.as_instructor(cls, "nbgrader", "collect", A, f"--student={s5.user}", "--update", *flags)
    assert "cheating attempt" in r.stdout + r.stderr, "nbgrader's default collect only warns..."
    collected = cls.course / "submitted" / s5.user / A / f"{A}.ipynb"
    assert collected.read_text() == "{}", "...and takes the forged submission"


def test_standing_the_class_up_again_keeps_accounts_and_work(run):
    """``make hub`` a second time: same accounts and passwords, homes kept, the hub answers again."""
    from classroom import hub

    cls = run["cls"]
    before = {a.user: a.password for a in cls.accounts()}
    s1 = next(iter(run["students"].values()))
    fetched = s1.home / A / f"{A}.ipynb"
    assert fetched.exists()
    hub.up(cls, students=5)
    assert {a.user: a.password for a in cls.accounts()} == before
    assert fetched.exists(), "the student's work is gone after the second `make hub`"
    again = HubUser(cls.url, s1.user, s1.password)
    again.login()
    assert A in [x["assignment_id"] for x in again.assignments(COURSE)]
