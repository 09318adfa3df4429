"""Conveniences for notebook cells that use a student's (possibly unfinished) functions.

An experiment cell wraps its body in :func:`experiment`. If a graded function it calls still
raises ``NotImplementedError`` (the release stub), the cell prints a short note instead of a
traceback, so the rest of the notebook keeps running. Any other error is shown as usual: a bug in
a student's implementation must stay visible.
"""

from __future__ import annotations

import contextlib
import traceback


class _Experiment(contextlib.AbstractContextManager):
    def __init__(self, title: str):
        self.title = title

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, NotImplementedError):
            where = _raising_function(tb)
            who = f"`{where}`" if where else "a function above"
            print(
                f"[{self.title}] skipped: {who} still raises NotImplementedError.\n"
                "Implement it in its answer cell, run that cell, then re-run this one."
            )
            return True  # swallow the stub's error only
        return False


def experiment(title: str = "experiment") -> _Experiment:
    """Context manager for experiment cells: skip quietly while an exercise is unfinished.

    Example::

        with experiment("SGD on the ill-conditioned quadratic"):
            path = run_rule(sgd, landscape, w0, steps=50)
            plot_trajectories(landscape, {"SGD": path})
    """
    return _Experiment(title)


def _raising_function(tb) -> str | None:
    """Name of the innermost function that raised, e.g. ``sgd`` for an untouched stub."""
    frames = traceback.extract_tb(tb)
    return frames[-1].name if frames else None


def is_implemented(fn, *args, **kwargs) -> bool:
    """True unless calling ``fn(*args, **kwargs)`` raises ``NotImplementedError``."""
    try:
        fn(*args, **kwargs)
    except NotImplementedError:
        return False
    return True
