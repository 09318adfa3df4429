"""Numbers the notebook's text quotes, tied to the code that measured them.

A code cell that measures a number the prose states hands it to :func:`quote` under a key::

    final = quote("sgd_final_loss", losses[-1])          # returns its value unchanged

and the markdown that states it marks the number with that key, in an HTML comment right after
it (JupyterLab and the feedback pages do not show comments)::

    SGD ends at a loss of about 0.31<!-- quote: sgd_final_loss ±0.05 -->.

``python -m autograder proofread`` runs the solution notebooks and fails, naming the notebook,
the sentence and both numbers, where a marked number is further from its quoted value than the
tolerance (:mod:`autograder.proofread` says how tolerances are written). The suite does the same
check on its own run of every solution notebook.

In a student's notebook :func:`quote` only returns its value: nothing is written or shown.

Nothing here implements a graded exercise.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

__all__ = ["quote", "quoted", "ENV"]

#: Where a run that checks the prose wants the quoted values (a JSON file), if anywhere.
ENV = "COURSE_QUOTES_FILE"

_quoted: dict[str, float] = {}


def _number(value) -> float | None:
    """``value`` as a float, or None when it is not a number."""
    try:
        return float(value.item() if hasattr(value, "item") else value)
    except (TypeError, ValueError, RuntimeError):
        return None


def quote(key: str, value):
    """Record ``value`` (a number) as the one the text marks with ``key``; returns ``value``.

    It never raises and never prints: in a student's notebook an experiment fed by a wrong function
    may give NaN or None, and that must not break the cell. Such a value is recorded as NaN (a
    number: never in any tolerance) or, if it is not a number at all, not recorded (the check then
    says no cell quoted the key), so a solution run that produces it fails the proofreading.
    Quoting the same key again replaces its value (re-running a cell). Where the environment
    variable :data:`ENV` names a file, the quoted values are written there as JSON."""
    number = _number(value)
    if number is None:
        _quoted.pop(str(key), None)
    else:
        _quoted[str(key)] = number if math.isfinite(number) else math.nan
    path = os.environ.get(ENV)
    if path:
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(_quoted, indent=1, sort_keys=True))
            tmp.replace(target)
        except OSError:  # a run that cannot write there (a sandbox) only loses the check, never the cell
            pass
    return value


def quoted() -> dict[str, float]:
    """Every value quoted so far in this process, by key."""
    return dict(_quoted)
