"""Run a notebook's code cells in this process, the way a Jupyter kernel would, and record outputs.

This is what a forked child of the fork server runs (see :mod:`autograder.forkserver`). Cells
are of two kinds:

- ``shell`` cells (setup, answers, the student's helper cells, experiments in ``--full`` mode)
  run through IPython's ``InteractiveShell.run_cell``, magics included, as in JupyterLab;
- ``test`` cells (autograded tests) are compiled and executed directly with the interpreter's
  own ``compile``/``exec``, saved before any student code ran, so that nothing a student adds
  to IPython (input transformers, AST transformers, event hooks, a patched ``run_cell``) can
  touch them.

The tamper guard: before the first student cell, the warm process snapshots the attributes of the
modules tests rely on (``builtins``, NumPy and its testing helpers, torch and its testing,
optim and functional modules, ``math``, ``course_utils``), the classes ``numpy.ndarray`` and
``torch.Tensor``, ``sys.modules`` entries and import hooks. After the setup cell it also
snapshots the names the setup cell bound (``np``, ``check_close``...). Before and after every test
cell, anything that differs is put back and reported: the test runs against the real helpers,
and the submission is flagged for review.

Outputs follow nbformat: ``stream`` (stdout/stderr, each capped), ``display_data`` (figures as
PNG), ``execute_result`` and ``error`` (``ename``, ``evalue`` and a one-line traceback, like
``xmode=Minimal``, so hidden test lines never reach the feedback).
"""

from __future__ import annotations

import ast
import builtins
import io
import sys
import types

#: Largest text a cell may print per stream (characters); the rest is cut with a note.
STREAM_CAP = 100_000

#: Modules whose attributes the tamper guard watches (those that are imported).
GUARDED_MODULES = [
    "builtins", "math", "numpy", "numpy.testing", "numpy.linalg", "numpy.random",
    "torch", "torch.testing", "torch.optim", "torch.optim.lr_scheduler", "torch.nn", "torch.nn.functional",
    "torch.nn.init", "course_utils", "course_utils.checks", "course_utils.optim", "course_utils.landscapes",
    "course_utils.models", "course_utils.data", "course_utils.training", "course_utils.gradcheck",
    "course_utils.notebook_import", "course_utils.exercise", "course_utils.pretraining", "course_utils.aspects",
]
GUARDED_CLASSES = [("numpy", "ndarray"), ("torch", "Tensor"), ("course_utils.aspects", "Aspects"),
                   ("course_utils.aspects", "Score")]

_compile, _exec, _eval = builtins.compile, builtins.exec, builtins.eval
_Module, _Expression, _Expr = ast.Module, ast.Expression, ast.Expr


class _CappedStream(io.TextIOBase):
    def __init__(self, name: str, sink: list):
        self.name, self._sink, self._size, self._cut = name, sink, 0, False

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        if self._cut:
            return len(text)
        room = STREAM_CAP - self._size
        if len(text) > room:
            text = text[:room] + f"\n[output cut: more than {STREAM_CAP} characters]\n"
            self._cut = True
        self._size += len(text)
        if self._sink and self._sink[-1].get("output_type") == "stream" and self._sink[-1]["name"] == self.name:
            self._sink[-1]["text"] += text
        else:
            self._sink.append({"output_type": "stream", "name": self.name, "text": text})
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def _error(ename: str, evalue: str) -> dict:
    evalue = str(evalue)[:2000]
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}


class Guard:
    """Snapshots of what tests rely on; :meth:`restore` puts back anything changed since."""

    def __init__(self, shell=None):
        #: IPython's input pipeline: transformers a cell registers would rewrite every later cell
        self.shell = shell
        self.pipeline = {k: list(getattr(shell, k)) for k in SHELL_PIPELINE} if shell is not None else {}
        self.modules = {}
        for name in GUARDED_MODULES:
            mod = sys.modules.get(name)
            if mod is not None:
                self.modules[name] = (mod, dict(vars(mod)))
        self.classes = {}
        for modname, cls in GUARDED_CLASSES:
            mod = sys.modules.get(modname)
            klass = getattr(mod, cls, None) if mod else None
            if isinstance(klass, type):
                self.classes[f"{modname}.{cls}"] = (klass, dict(vars(klass)))
        self.meta_path = list(sys.meta_path)
        self.path_hooks = list(sys.path_hooks)
        self.names: dict = {}

    def remember_names(self, namespace: dict, names) -> None:
        self.names = {n: namespace[n] for n in names if n in namespace and not n.startswith("_")}

    def restore(self, namespace: dict) -> list[str]:
        """Undo changes; return what was changed (empty if nothing)."""
        changed = []
        for name, (mod, snap) in self.modules.items():
            if sys.modules.get(name) is not mod:
                sys.modules[name] = mod
                changed.append(f"sys.modules[{name!r}] replaced")
            current = vars(mod)
            for key, value in snap.items():
                if current.get(key, _MISSING) is not value:
                    changed.append(f"{name}.{key}")
                    setattr(mod, key, value)
        for qual, (klass, snap) in self.classes.items():
            current = dict(vars(klass))
            for key, value in snap.items():
                if current.get(key, _MISSING) is not value:
                    changed.append(f"{qual}.{key}")
                    try:
                        setattr(klass, key, value)
                    except (TypeError, AttributeError):
                        pass
            for key in set(current) - set(snap):
                changed.append(f"{qual}.{key} added")
                try:
                    delattr(klass, key)
                except (TypeError, AttributeError):
                    pass
        for key, snap in self.pipeline.items():
            current = getattr(self.shell, key)
            if current != snap:
                current[:] = snap
                changed.append(f"IPython {key}")
        if sys.meta_path != self.meta_path:
            sys.meta_path[:] = self.meta_path
            changed.append("sys.meta_path")
        if sys.path_hooks != self.path_hooks:
            sys.path_hooks[:] = self.path_hooks
            changed.append("sys.path_hooks")
        if sys.gettrace() is not None:
            sys.settrace(None)
            changed.append("sys.settrace")
        if sys.getprofile() is not None:
            sys.setprofile(None)
            changed.append("sys.setprofile")
        for key, value in self.names.items():
            if namespace.get(key, _MISSING) is not value:
                namespace[key] = value
                changed.append(f"name {key!r} from the setup cell rebound")
        return changed


_MISSING = object()

#: The lists of IPython's input pipeline that the guard keeps as they were.
SHELL_PIPELINE = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")


class Runner:
    """An IPython shell that records outputs per cell instead of printing them."""

    def __init__(self):
        from IPython.core.displayhook import DisplayHook
        from IPython.core.displaypub import DisplayPublisher
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        runner = self
        self.outputs: list = []

        class Publisher(DisplayPublisher):
            def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
                runner.outputs.append({"output_type": "display_data", "data": _jsonable(data),
                                       "metadata": metadata or {}})

            def clear_output(self, wait=False):
                runner.outputs.clear()

        class Hook(DisplayHook):
            def write_output_prompt(self):
                pass

            def write_format_data(self, format_dict, md_dict=None):
                runner.outputs.append({"output_type": "execute_result", "data": _jsonable(format_dict),
                                       "metadata": md_dict or {}, "execution_count": None})

        cfg = Config()
        cfg.HistoryManager.enabled = False
        cfg.InteractiveShell.xmode = "Minimal"
        cfg.InteractiveShell.colors = "NoColor"
        InteractiveShell.clear_instance()
        self.shell = InteractiveShell.instance(config=cfg, display_pub_class=Publisher)
        self.shell.displayhook = Hook(shell=self.shell, cache_size=0)
        self.shell.display_trap.hook = self.shell.displayhook
        self.shell._showtraceback = self._showtraceback
        self.shell.showsyntaxerror = self._showsyntaxerror
        try:  # figures appear as PNG display_data, as with the inline backend in JupyterLab
            self.shell.enable_matplotlib("inline")
        except Exception:  # noqa: BLE001 - no matplotlib: no figures
            pass

    def _showtraceback(self, etype, evalue, stb):
        self.outputs.append(_error(getattr(etype, "__name__", str(etype)), evalue))

    def _showsyntaxerror(self, filename=None, running_compiled_code=False):
        etype, value, _ = sys.exc_info()
        self.outputs.append(_error(getattr(etype, "__name__", "SyntaxError"), value))

    def _capture(self):
        return _CappedStream("stdout", self.outputs), _CappedStream("stderr", self.outputs)

    def run_shell_cell(self, source: str) -> list:
        self.outputs = []
        out, err = self._capture()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            self.shell.run_cell(source, store_history=False)
            self._flush_figures()
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends raised past IPython
            self.outputs.append(_error(type(exc).__name__, exc))
        finally:
            sys.stdout, sys.stderr = saved
        return self.outputs

    def run_test_cell(self, source: str, name: str) -> list:
        self.outputs = []
        out, err = self._capture()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            tree = _compile(source, name, "exec", ast.PyCF_ONLY_AST)
            last = tree.body[-1] if tree.body else None
            if isinstance(last, _Expr):  # as a kernel does: the last expression's value is the result
                _exec(_compile(_Module(body=tree.body[:-1], type_ignores=[]), name, "exec"), self.shell.user_ns)
                value = _eval(_compile(_Expression(body=last.value), name, "eval"), self.shell.user_ns)
                if value is not None:
                    self.outputs.append({"output_type": "execute_result", "data": _result_data(value),
                                         "metadata": {}, "execution_count": None})
            else:
                _exec(_compile(tree, name, "exec"), self.shell.user_ns)
        except BaseException as exc:  # noqa: BLE001 - every failure of a test is an error output
            self.outputs.append(_error(type(exc).__name__, exc))
        finally:
            sys.stdout, sys.stderr = saved
        try:
            self._flush_figures()
        except Exception:  # noqa: BLE001
            pass
        return self.outputs

    def _flush_figures(self):
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:
            return
        from matplotlib_inline.backend_inline import flush_figures

        flush_figures()


def _result_data(value) -> dict:
    """A test cell's result as a kernel shows it: the value's own MIME bundle where its class has one
    (a :class:`course_utils.aspects.Score`: the points as ``text/plain``, which nbgrader reads),
    else its ``repr``. IPython's display formatter is not used: a submission can register its own."""
    bundle = getattr(type(value), "_repr_mimebundle_", None)
    data = bundle(value) if bundle is not None else None
    if not isinstance(data, dict) or "text/plain" not in data:
        data = {"text/plain": repr(value)}
    return _jsonable(data)


def _jsonable(data: dict) -> dict:
    out = {}
    for mime, value in (data or {}).items():
        if isinstance(value, bytes):
            import base64

            value = base64.b64encode(value).decode()
        elif not isinstance(value, (str, dict, list, int, float, bool, type(None))):
            value = str(value)
        out[mime] = value
    return out


def warm_up(modules: list[str]) -> list[str]:
    """Import what notebooks import, and touch what imports more on first use; return failures."""
    failed = []
    for name in modules:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - a missing optional module is not fatal
            failed.append(name)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
        try:  # the first optimizer constructor imports torch._dynamo (1.5-2 s): pay it once here
            p = torch.nn.Parameter(torch.zeros(1))
            torch.optim.Adam([p]).step()
            torch.optim.SGD([p], lr=0.1).step()
        except Exception:  # noqa: BLE001
            failed.append("torch.optim warm-up")
    return failed


def module_of(obj) -> types.ModuleType | None:
    return sys.modules.get(getattr(obj, "__module__", "") or "")
