"""The checks :class:`classroom.exchange.SafeCollect` makes on a submission folder before it takes
it, on folders made here: ownership, links and special files, the date in the name, and the copy
that follows no link even when one is swapped in after the check."""

from __future__ import annotations

import datetime
import os

import pytest

from classroom.exchange import DATE_TOLERANCE_S, check_date, check_submission, copy_without_links

ME = os.geteuid()


def _submission(tmp_path):
    folder = tmp_path / "alice+01_sgd+stamp"
    (folder / "data").mkdir(parents=True)
    (folder / "01_sgd.ipynb").write_text("{}")
    (folder / "data" / "notes.txt").write_text("mine")
    return folder


def test_a_plain_folder_of_its_owner_passes_and_is_copied(tmp_path):
    folder = _submission(tmp_path)
    assert check_submission(str(folder), ME) is None
    copied = copy_without_links(str(folder), str(tmp_path / "copy"), ME)
    assert copied == len("{}") + len("mine")
    assert (tmp_path / "copy" / "data" / "notes.txt").read_text() == "mine"


def test_another_owner_is_refused(tmp_path):
    folder = _submission(tmp_path)
    assert "owned by" in check_submission(str(folder), ME + 1)
    with pytest.raises(PermissionError, match="owned by"):
        copy_without_links(str(folder), str(tmp_path / "copy"), ME + 1)


@pytest.mark.parametrize("kind", ["link to a file", "link to a folder", "fifo"])
def test_links_and_special_files_are_refused(tmp_path, kind):
    folder = _submission(tmp_path)
    secret = tmp_path / "instructor" / "solution.ipynb"
    secret.parent.mkdir()
    secret.write_text("the solution")
    (folder / "01_sgd.ipynb").unlink()
    if kind == "link to a file":
        (folder / "01_sgd.ipynb").symlink_to(secret)
    elif kind == "link to a folder":
        (folder / "linked").symlink_to(secret.parent)
    else:
        os.mkfifo(folder / "01_sgd.ipynb")
    assert "not a plain file or folder" in check_submission(str(folder), ME)
    with pytest.raises(PermissionError, match="not a plain file or folder|without following"):
        copy_without_links(str(folder), str(tmp_path / "copy"), ME)
    assert not any(p.read_text() == "the solution" for p in (tmp_path / "copy").rglob("*") if p.is_file())


def test_the_folder_itself_as_a_link_is_refused(tmp_path):
    folder = _submission(tmp_path)
    link = tmp_path / "bob+01_sgd+stamp"
    link.symlink_to(folder)
    assert "not a folder" in check_submission(str(link), ME)
    with pytest.raises(PermissionError):
        copy_without_links(str(link), str(tmp_path / "copy"), ME)


def test_a_link_swapped_in_after_the_check_is_not_followed(tmp_path):
    """The check passes; then the student replaces the notebook by a link: the copy refuses it."""
    folder = _submission(tmp_path)
    assert check_submission(str(folder), ME) is None
    (folder / "01_sgd.ipynb").unlink()
    (folder / "01_sgd.ipynb").symlink_to("/etc/hostname")
    with pytest.raises(PermissionError, match="not a plain file|Too many levels|symbolic"):
        copy_without_links(str(folder), str(tmp_path / "copy"), ME)


def test_the_copy_stops_at_its_size_limit(tmp_path):
    folder = _submission(tmp_path)
    (folder / "big.bin").write_bytes(b"x" * 4096)
    with pytest.raises(PermissionError, match="larger than"):
        copy_without_links(str(folder), str(tmp_path / "copy"), ME, max_bytes=1024)


def test_a_name_dated_away_from_when_the_folder_was_made_is_refused(tmp_path):
    folder = _submission(tmp_path)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert check_date(str(folder), now) is None
    assert check_date(str(folder), now - datetime.timedelta(seconds=DATE_TOLERANCE_S / 2)) is None
    backdated = check_date(str(folder), now - datetime.timedelta(days=3))
    assert backdated and "was made at" in backdated
    assert check_date(str(folder), now + datetime.timedelta(days=3))
