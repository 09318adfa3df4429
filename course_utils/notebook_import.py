"""Bring a student's own functions back from an earlier notebook, or stand in for them.

Notebook 06 races the update rules the student wrote in notebooks 01-03. It must not contain
those rules itself (that would hand out the solutions), so it reads them from the student's own
notebooks:

- :func:`load_answers` reads a notebook (nbformat 4 JSON), runs its ``setup`` cell and the answer
  cells whose nbgrader ``grade_id`` is asked for, in a fresh namespace (nothing else: no test and
  no experiment), and returns the functions that work. A function that still raises the release
  stub's ``NotImplementedError``, that crashes on a tiny probe call, or whose notebook is missing
  or unreadable is left out, with the reason recorded and printed.
- :func:`torch_stand_in` returns a rule with the course's signature ``rule(w, dw, config)`` that
  delegates the arithmetic to the equivalent ``torch.optim`` optimizer, so that a self-learner who
  skipped a notebook still gets the race (clearly labelled as a stand-in).

Nothing here implements an update rule: the stand-ins call ``torch.optim``.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path

import numpy as np

__all__ = ["Answers", "load_answers", "torch_stand_in", "is_stand_in", "STAND_IN_NAMES"]


class Answers(dict):
    """``name -> function`` for every function that loaded and works.

    ``missing`` maps each requested name that was left out to the reason, in words;
    ``source`` is the notebook's path as given.
    """

    def __init__(self, source, found=None, missing=None):
        super().__init__(found or {})
        self.source = Path(source)
        self.missing = dict(missing or {})

    def report(self) -> str:
        """One line per requested name: where it comes from, or why it was left out."""
        lines = [f"{self.source}:"]
        for name in self:
            lines.append(f"  {name}: your function")
        for name, why in self.missing.items():
            lines.append(f"  {name}: left out ({why})")
        return "\n".join(lines)


DEFAULT_PROBE = (np.array([1.0, -2.0]), np.array([0.5, 0.25]))


def load_answers(notebook_path, names, probe=DEFAULT_PROBE, verbose: bool = True) -> Answers:
    """The functions ``names`` as the student wrote them in ``notebook_path``.

    Args:
        notebook_path: path of the earlier notebook (relative paths are relative to the current
            directory, which for a running notebook is the notebook's own folder), e.g.
            ``"../01_sgd/01_sgd.ipynb"``.
        names: the grade_ids of the answer cells to run; by the course's convention each answer
            cell defines a top-level function of that same name.
        probe: arguments of one tiny call made on every function to check that it is implemented
            (default: two NumPy vectors, i.e. ``rule(w, dw)`` with ``config=None``), or None to skip
            the probe. A function whose probe raises is left out, with the error as the reason;
            for an update rule the result must also be a pair ``(next_w, config)``.
        verbose: print :meth:`Answers.report`.

    The ``setup`` cell (``grade_id == "setup"``) runs first, then the answer cells in notebook
    order, all in one fresh namespace, with their printed output swallowed. Lines that are IPython
    magics or shell escapes (``%...``, ``!...``) are skipped. The global random states of
    ``random``, NumPy and torch are restored afterwards, so loading does not disturb the caller's
    seeding. Never raises for a missing, unreadable or broken notebook: everything that could not
    be loaded is reported in ``Answers.missing``.
    """
    names = [names] if isinstance(names, str) else list(names)
    answers = Answers(notebook_path)
    path = Path(notebook_path)

    def leave_out(why, which=None):
        for name in which or names:
            answers.missing.setdefault(name, why)

    try:
        cells = _read_cells(path)
    except FileNotFoundError:
        leave_out("notebook not found")
    except Exception as err:  # corrupt JSON, not a notebook, unreadable file
        leave_out(f"could not read the notebook: {type(err).__name__}: {_short(err)}")
    else:
        with _preserved_random_state(), _quiet():
            _run_cells(cells, names, answers, probe)
    answers = _reorder(answers, names)
    if verbose:
        print(answers.report())
    return answers


def _read_cells(path: Path) -> list:
    """The code cells of an nbformat-4 notebook as (grade_id or None, source) pairs, in order.

    The JSON is read directly: importing nbformat's schema validator costs seconds, and a
    notebook that a student's Jupyter saved is valid nbformat 4 anyway.
    """
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError("not an nbformat-4 notebook")
    out = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        out.append((meta.get("grade_id"), source))
    return out


def _run_cells(cell_list, names, answers: Answers, probe) -> None:
    cells = {}
    for gid, source in cell_list:
        if gid and (gid == "setup" or gid in names):
            cells.setdefault(gid, source)
    namespace = {"__name__": "__course_answers__", "__builtins__": __builtins__}
    setup_error = None
    if "setup" in cells:
        setup_error = _execute(cells["setup"], namespace, f"{answers.source}:setup")
    for name in names:
        source = cells.get(name)
        if source is None:
            answers.missing[name] = f"the notebook has no answer cell with grade_id {name!r}"
            continue
        error = _execute(source, namespace, f"{answers.source}:{name}")
        if error is not None:
            hint = f" (and the setup cell failed: {setup_error})" if setup_error else ""
            answers.missing[name] = f"its cell raised {error}{hint}"
            continue
        fn = namespace.get(name)
        if not callable(fn):
            answers.missing[name] = f"its cell ran but defines no function {name!r}"
            continue
        why = _probe(fn, probe)
        if why is None:
            answers[name] = fn
        else:
            answers.missing[name] = why


def _execute(source: str, namespace: dict, label: str) -> str | None:
    """Run one cell's code in ``namespace``; returns None, or the error in words."""
    if source.lstrip().startswith("%%"):
        return "a cell magic, which cannot run outside IPython"
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        exec(compile(code, label, "exec"), namespace)
    except BaseException as err:  # noqa: BLE001 - a student's cell may raise anything (even SystemExit)
        if isinstance(err, KeyboardInterrupt):
            raise
        return f"{type(err).__name__}: {_short(err)}"
    return None


def _probe(fn, probe) -> str | None:
    if probe is None:
        return None
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in probe)
    try:
        result = fn(*args)
    except NotImplementedError:
        return "not implemented yet: it still raises NotImplementedError"
    except Exception as err:  # a bug: say which, so the student can fix it in its notebook
        return f"a probe call {fn.__name__}(w, dw) raised {type(err).__name__}: {_short(err)}"
    if isinstance(args[0], np.ndarray) and len(args) == 2:  # an update rule: check its signature
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
            return f"a probe call {fn.__name__}(w, dw) did not return a pair (next_w, config)"
    return None


def _reorder(answers: Answers, names) -> Answers:
    """Found and missing entries in the order the names were asked for."""
    out = Answers(answers.source)
    for name in names:
        if name in answers:
            out[name] = answers[name]
        elif name in answers.missing:
            out.missing[name] = answers.missing[name]
    return out


def _short(err, limit: int = 160) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


@contextlib.contextmanager
def _preserved_random_state():
    """Restore Python's, NumPy's and torch's (CPU, and CUDA when in use) random states on exit."""
    py_state, np_state = random.getstate(), np.random.get_state()
    torch_state = cuda_state = None
    try:
        import torch

        torch_state = torch.get_rng_state()
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            cuda_state = torch.cuda.get_rng_state_all()
    except ImportError:  # pragma: no cover
        torch = None
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        if torch is not None:
            torch.set_rng_state(torch_state)
            if cuda_state is not None:
                torch.cuda.set_rng_state_all(cuda_state)


# --------------------------------------------------------------------------------------------
# Stand-ins backed by torch.optim

#: The course's update rules that :func:`torch_stand_in` can stand in for.
STAND_IN_NAMES = ("sgd", "sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "adam", "adamw")

_DEFAULTS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "sgd_nesterov": {"learning_rate": 1e-2, "momentum": 0.9},
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-10},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "adamw": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 1e-2},
}


def _torch_settings(name: str, c: dict) -> tuple:
    """(torch optimizer class, its keyword arguments) for rule ``name`` with config ``c``."""
    import torch

    lr = c["learning_rate"]
    if name == "sgd":
        return torch.optim.SGD, dict(lr=lr)
    if name == "sgd_momentum":
        return torch.optim.SGD, dict(lr=lr, momentum=c["momentum"])
    if name == "sgd_nesterov":
        return torch.optim.SGD, dict(lr=lr, momentum=c["momentum"], nesterov=True)
    if name == "adagrad":
        return torch.optim.Adagrad, dict(lr=lr, eps=c["epsilon"])
    if name == "rmsprop":
        return torch.optim.RMSprop, dict(lr=lr, alpha=c["decay_rate"], eps=c["epsilon"])
    if name == "adam":
        return torch.optim.Adam, dict(lr=lr, betas=(c["beta1"], c["beta2"]), eps=c["epsilon"])
    return torch.optim.AdamW, dict(lr=lr, betas=(c["beta1"], c["beta2"]), eps=c["epsilon"],
                                   weight_decay=c["weight_decay"])


def torch_stand_in(name: str):
    """A stand-in for the course's update rule ``name``, computed by ``torch.optim``.

    ``name`` is one of :data:`STAND_IN_NAMES`. The returned function has the course's signature
    ``next_w, config = rule(w, dw, config=None)``, reads the course's hyperparameter names
    (``learning_rate``, ``momentum``, ``decay_rate``, ``beta1``, ``beta2``, ``epsilon``,
    ``weight_decay``; defaults filled in with ``setdefault``) and maps them onto the equivalent
    torch optimizer: ``torch.optim.SGD`` (plain, momentum, ``nesterov=True``), ``Adagrad``,
    ``RMSprop`` (``alpha = decay_rate``), ``Adam`` and ``AdamW`` (``betas = (beta1, beta2)``,
    ``eps = epsilon``). As in the course's rules, only ``adamw`` reads ``weight_decay``. With a
    constant learning rate its steps equal the course's rules (Nesterov and momentum included:
    notebook 02 shows the conventions agree); with a changing learning rate, momentum and Nesterov
    follow torch's convention.

    ``w`` may be a NumPy array or a torch tensor (any device); the result is of the same kind,
    dtype and device. The torch optimizer and its state live in ``config["torch_optimizer"]``
    (not the course's state names). The function carries ``stand_in = True`` and
    ``__name__ == name``; see :func:`is_stand_in`.
    """
    if name not in _DEFAULTS:
        raise ValueError(f"no stand-in for {name!r}; known: {', '.join(STAND_IN_NAMES)}")

    def stand_in(w, dw, config=None):
        import torch

        if config is None:
            config = {}
        for key, value in _DEFAULTS[name].items():
            config.setdefault(key, value)
        is_numpy = not isinstance(w, torch.Tensor)
        w_t = torch.from_numpy(np.asarray(w)) if is_numpy else w.detach()
        dw_t = torch.from_numpy(np.asarray(dw)) if is_numpy else dw.detach()
        cls, kwargs = _torch_settings(name, config)
        optimizer = config.get("torch_optimizer")
        if optimizer is None:
            optimizer = cls([torch.nn.Parameter(w_t.clone())], foreach=False, **kwargs)
            config["torch_optimizer"] = optimizer
        else:
            optimizer.param_groups[0].update(kwargs)  # hyperparameters may change between steps
        (param,) = optimizer.param_groups[0]["params"]
        with torch.no_grad():
            param.copy_(w_t)
        param.grad = dw_t.to(dtype=param.dtype, device=param.device, copy=True)
        optimizer.step()
        next_w = param.detach().clone()
        return (next_w.numpy() if is_numpy else next_w), config

    stand_in.__name__ = stand_in.__qualname__ = name
    stand_in.__doc__ = f"torch.optim stand-in for the course's rule {name!r} (see course_utils.notebook_import)."
    stand_in.stand_in = True
    return stand_in


def is_stand_in(rule) -> bool:
    """True for a rule made by :func:`torch_stand_in`."""
    return bool(getattr(rule, "stand_in", False))
