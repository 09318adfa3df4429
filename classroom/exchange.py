"""nbgrader's exchange, made safe between students on a shared machine (a JupyterHub with one Unix
account per user).

nbgrader's default exchange trusts its users: the exchange root must be world-writable (nbgrader
#1225), ``submit`` leaves every submission folder mode 0777 and its files 0644 (#978: whoever
guesses the name reads and rewrites it), and ``collect`` only *warns* when a submission named for
one student is owned by another, then grades it (a forged newer submission replaces the real
one). The submission secret that protects each student's feedback is in that readable folder too.

Here the protection is the kernel's, not the client's: a student can bypass any code of ours (a
terminal, their own ``nbgrader_config.py``), so the rules hold whatever runs as the student.
:mod:`classroom.layout` creates the exchange as root::

    <root>/                  root:root            0755  traversable, not writable
    <root>/<course>/         instructor:graders  2755
        outbound/            instructor:graders  2755  released assignments: students read only
        inbound/             instructor:graders  3773  set-group-ID + sticky: students create
                                                       entries but cannot list them, nor rename
                                                       or delete another's
        feedback/            instructor:graders  2711  one file per submission secret, not listable

What the classes below add to nbgrader's default ones (each a subclass, configured through
``ExchangeFactory``), and nothing more:

- :class:`SafeSubmit`: the submission folder is ``0750``, group ``graders`` (inherited from the
  set-group-ID inbound when the folder is made; a student cannot move it to another group): the
  instructor enters and reads it, other students can neither list, read nor write anything in it.
- :class:`SafeCollect`: a submission counts only if its folder and everything in it are owned by
  the student it is named for, and are plain folders and files (no symbolic link, FIFO or device:
  a link named ``01_sgd.ipynb`` pointing at the instructor's solution would otherwise be copied as
  the student's work), and whose name is dated when the folder was really made (the kernel's change
  time, which no user can set: a submission backdated to beat the due date is refused). Anything
  else is rejected with its reason and the student's latest valid submission is collected instead. The copy itself opens every entry with ``O_NOFOLLOW`` under its
  parent's descriptor, so a link swapped in after the check is not followed either.
- :class:`SafeReleaseAssignment`, and the other classes through :class:`SafeRoot`: the root is not
  made world-writable; it must exist and be traversable.
"""

from __future__ import annotations

import datetime
import fnmatch
import glob
import os
import pwd
import secrets
import shutil
import stat
from collections import defaultdict
from dataclasses import dataclass

from nbgrader.exchange.default import (Exchange, ExchangeCollect, ExchangeFetchAssignment, ExchangeFetchFeedback,
                                       ExchangeList, ExchangeReleaseAssignment, ExchangeReleaseFeedback,
                                       ExchangeSubmit)

#: A submitted folder: the student and the instructor's group may enter it, nobody else; what it
#: holds is readable by whoever may enter (files made after the copy get the student's own group,
#: since a student cannot keep the set-group-ID bit of a folder whose group they are not in).
SUBMISSION_DIR_MODE = 0o750
INNER_DIR_MODE, INNER_FILE_MODE = 0o755, 0o644

#: Largest submission collected (bytes, all files together) unless nbgrader's own
#: ``CourseDirectory.max_dir_size`` is smaller.
MAX_SUBMISSION_BYTES = 200 * 2**20


class SafeRoot(Exchange):
    """The exchange root is made by root (:mod:`classroom.layout`): it must exist and be
    traversable; nobody needs to write it."""

    def ensure_root(self):
        if not os.path.isdir(self.root) or not os.access(self.root, os.X_OK):
            self.fail(f"The exchange {self.root} does not exist or cannot be entered: ask your instructor")


class SafeReleaseAssignment(SafeRoot, ExchangeReleaseAssignment):
    pass


class SafeFetchAssignment(SafeRoot, ExchangeFetchAssignment):
    pass


class SafeList(SafeRoot, ExchangeList):
    pass


class SafeReleaseFeedback(SafeRoot, ExchangeReleaseFeedback):
    pass


class SafeFetchFeedback(SafeRoot, ExchangeFetchFeedback):
    pass


class SafeSubmit(SafeRoot, ExchangeSubmit):
    """nbgrader's submit (``ExchangeSubmit.copy_files``, step by step), with a submission only the
    student and the instructor's group can read: nbgrader leaves it 0777 ("so the instructor can
    delete later"); here the instructor, owner of the sticky inbound, may delete it anyway."""

    def copy_files(self):
        self.init_release()
        secret = secrets.token_hex(64)
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        name = self.assignment_filename.rsplit("+", 1)[0] if self.add_random_string else self.assignment_filename
        cache = os.path.join(self.cache_path, name)
        self.log.info("Source: %s", self.src_path)
        self.log.info("Destination: %s", dest)
        self.check_filename_diff()
        old_umask = os.umask(0o027)  # nothing for others, even while the copy runs
        try:
            self._copy_with_stamps(dest, secret)
            self.set_perms(dest, fileperms=INNER_FILE_MODE, dirperms=INNER_DIR_MODE)
            os.chmod(dest, SUBMISSION_DIR_MODE)
        finally:
            os.umask(old_umask)
        if os.stat(dest).st_gid != os.stat(self.inbound_path).st_gid:
            self.fail(f"Your submission {dest} did not get the instructor's group: the inbound folder must be "
                      "set-group-ID (chmod g+s); ask your instructor")
        os.makedirs(self.cache_path, exist_ok=True)
        self._copy_with_stamps(cache, secret)
        self.log.info("Submitted as: %s %s %s", self.coursedir.course_id, self.coursedir.assignment_id,
                      self.timestamp)

    def _copy_with_stamps(self, dest: str, secret: str) -> None:
        """The student's folder copied to ``dest``, with the submission's timestamp and secret."""
        self.do_copy(self.src_path, dest)
        for filename, text in (("timestamp.txt", self.timestamp), ("submission_secret.txt", secret)):
            with open(os.path.join(dest, filename), "w") as fh:
                fh.write(text)


@dataclass
class Rejected:
    """A submission that :class:`SafeCollect` did not collect, and why."""

    folder: str
    student: str
    reason: str


def check_submission(path: str, uid: int) -> str | None:
    """Why the submission folder ``path`` cannot be trusted as the work of the user ``uid``, or
    None: it must be a real folder (not a link) owned by ``uid``, holding only folders and regular
    files owned by ``uid``."""
    try:
        st = os.lstat(path)
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    if not stat.S_ISDIR(st.st_mode):
        return "is not a folder (a symbolic link or another kind of file)"
    if st.st_uid != uid:
        return f"is owned by {_user(st.st_uid)}, not by the student it is named for"
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            entry = os.path.join(dirpath, name)
            try:
                est = os.lstat(entry)
            except OSError as e:
                return f"holds {os.path.relpath(entry, path)!r}, which cannot be read ({e.strerror})"
            if not (stat.S_ISDIR(est.st_mode) or stat.S_ISREG(est.st_mode)):
                return f"holds {os.path.relpath(entry, path)!r}, which is not a plain file or folder"
            if est.st_uid != uid:
                return f"holds {os.path.relpath(entry, path)!r}, owned by {_user(est.st_uid)}"
    return None


#: How far the date in a submission's name may be from when the kernel says the folder was last
#: changed (its ctime, which no user can set): the copy of a large submission takes a while.
DATE_TOLERANCE_S = 300


def check_date(path: str, named) -> str | None:
    """Why the date in the name of the submission folder ``path`` (``named``, an aware datetime)
    cannot be its submission time, or None. nbgrader reads the time from the name, which the
    student writes: a folder made now but named for last week would beat the due date."""
    made = os.lstat(path).st_ctime
    if abs(named.timestamp() - made) > DATE_TOLERANCE_S:
        when = datetime.datetime.fromtimestamp(made, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"is dated {named:%Y-%m-%d %H:%M:%S} UTC in its name but was made at {when}"
    return None


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def copy_without_links(src: str, dest: str, uid: int, *, ignore=(), max_bytes: int = MAX_SUBMISSION_BYTES) -> int:
    """Copy the folder ``src`` to ``dest`` (created), entry by entry under open folder descriptors
    with ``O_NOFOLLOW``: a symbolic link, a FIFO, a device, or an entry not owned by ``uid`` stops
    the copy with :class:`PermissionError` even if it appeared after :func:`check_submission`.
    Names matching a glob of ``ignore`` are skipped. Returns the bytes copied."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    total = 0

    def copy_dir(src_fd: int, dest_dir: str, rel: str) -> None:
        nonlocal total
        os.makedirs(dest_dir, exist_ok=True)
        for entry in os.scandir(src_fd):
            name = entry.name
            if any(fnmatch.fnmatch(name, pattern) for pattern in ignore):
                continue
            where = os.path.join(rel, name)
            try:
                fd = os.open(name, flags | os.O_NONBLOCK, dir_fd=src_fd)
            except OSError as e:  # ELOOP: a symbolic link (O_NOFOLLOW)
                raise PermissionError(f"{where!r} is not a plain file or folder ({e.strerror})") from e
            try:
                st = os.fstat(fd)
                if st.st_uid != uid:
                    raise PermissionError(f"{where!r} is owned by {_user(st.st_uid)}")
                if stat.S_ISDIR(st.st_mode):
                    copy_dir(fd, os.path.join(dest_dir, name), where)
                elif stat.S_ISREG(st.st_mode):
                    total += st.st_size
                    if total > max_bytes:
                        raise PermissionError(f"the submission is larger than {max_bytes // 2**20} MB")
                    with os.fdopen(os.dup(fd), "rb") as fin, open(os.path.join(dest_dir, name), "wb") as fout:
                        while chunk := fin.read(1 << 20):
                            fout.write(chunk)
                else:
                    raise PermissionError(f"{where!r} is not a plain file or folder")
            finally:
                os.close(fd)

    try:
        top = os.open(src, flags | os.O_DIRECTORY)
    except OSError as e:
        raise PermissionError(f"the folder cannot be opened without following a link ({e.strerror})") from e
    try:
        if os.fstat(top).st_uid != uid:
            raise PermissionError(f"the folder is owned by {_user(os.fstat(top).st_uid)}")
        copy_dir(top, dest, "")
    finally:
        os.close(top)
    return total


class SafeCollect(SafeRoot, ExchangeCollect):
    """nbgrader's collect, taking for each student their latest submission that is really theirs."""

    def init_src(self):
        """nbgrader's ``init_src``, except that each student's latest submission that is really
        theirs is taken (:func:`check_submission`), and a folder whose name does not parse (a
        student can create one) is rejected instead of stopping the collect for everyone."""
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.utils import parse_utc

        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not os.access(self.inbound_path, os.R_OK | os.X_OK):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.rejected: list[Rejected] = []
        sid = self.coursedir.student_id
        student = "*" if sid in ("", "*") else glob.escape(sid)
        pattern = os.path.join(self.inbound_path, f"{student}+{glob.escape(self.coursedir.assignment_id)}+*")
        by_student = defaultdict(list)
        for folder in glob.glob(pattern):
            name = os.path.basename(folder)
            parts = name.rsplit("+", 3)
            try:
                timestamp = parse_utc(parts[2])
            except Exception:
                self.rejected.append(Rejected(folder, parts[0], "its name has no valid timestamp"))
                self.log.error("Not collected: %s (its name has no valid timestamp)", folder)
                continue
            by_student[parts[0]].append({"username": parts[0], "filename": name, "timestamp": timestamp})
        self.src_records = []
        for username, records in sorted(by_student.items()):
            rec = self._latest_trusted(username, records)
            if rec is not None:
                self.src_records.append(rec)

    def _latest_trusted(self, student: str, records: list[dict]):
        """The student's newest submission that passes :func:`check_submission` (the newest
        before the due date first, where nbgrader's ``before_duedate`` asks for it), or None."""
        try:
            uid = pwd.getpwnam(student).pw_uid
        except KeyError:
            uid = None
        records = self._sort_by_timestamp(records)
        if self.duedate is not None and self.before_duedate:
            records = ([r for r in records if r["timestamp"] <= self.duedate]
                       + [r for r in records if r["timestamp"] > self.duedate])
        for rec in records:
            folder = os.path.join(self.inbound_path, rec["filename"])
            reason = "names no user of this machine" if uid is None else check_submission(folder, uid)
            if reason is None:
                reason = check_date(folder, rec["timestamp"])
            if reason is None:
                return rec
            self.rejected.append(Rejected(folder, student, reason))
            self.log.error("Not collected: %s %s (named for %s)", folder, reason, student)
        return None

    def do_copy(self, src, dest, log=None):
        """nbgrader's collect copies each chosen submission through here (and nothing else)."""
        student = os.path.basename(src).rsplit("+", 3)[0]
        limit = min(MAX_SUBMISSION_BYTES, 1000 * self.coursedir.max_dir_size)
        try:
            copy_without_links(src, dest, pwd.getpwnam(student).pw_uid, ignore=self.coursedir.ignore,
                               max_bytes=limit)
        except (OSError, KeyError) as e:  # PermissionError included: the submission is refused, not the collect
            shutil.rmtree(dest, ignore_errors=True)
            self.rejected.append(Rejected(src, student, str(e)))
            self.log.error("Not collected: %s: %s", src, e)
