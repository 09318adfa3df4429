"""``validate``: run notebooks the way nbgrader's Validator does, but with an honest exit code.

Stock ``nbgrader validate`` exits 0 even when tests fail, and says "Partial credit; passed some
but not all of the tests" for a cell that lost an aspect. Here each notebook is executed with
nbgrader's own ``Validator`` (plus :class:`~autograder.preprocessors.StderrAsStdout`, so a warning
is not a failure, exactly as in grading) and the command fails if any test cell fails, any locked
cell was changed, or any cell changed type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, Execute
from nbgrader.validator import Validator
from traitlets.config import Config

from .config import CELL_TIMEOUT, KERNEL_ARGUMENTS, limit_kernel_threads
from .preprocessors import StderrAsStdout
from .reports import describe_failure


class CourseValidator(Validator):
    """nbgrader's Validator with the course's grading semantics for stderr, and a failed test
    described by its name, its points and each failed aspect or its error, messages whole."""

    preprocessors = [CheckCellMetadata, ClearOutput, Execute, StderrAsStdout]

    def _extract_error(self, cell) -> str:
        if cell.cell_type == "code" and (cell.metadata.get("nbgrader") or {}).get("grade"):
            return describe_failure(cell)
        return super()._extract_error(cell)


@dataclass
class ValidationResult:
    path: Path
    failed: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    type_changed: list = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.failed or self.changed or self.type_changed or self.error)

    def report(self) -> str:
        if self.error:
            return f"ERROR {self.path}: {self.error}"
        if self.ok:
            return f"PASS  {self.path}"
        lines = [f"FAIL  {self.path}"]
        if self.type_changed:
            lines.append(f"  {len(self.type_changed)} cell(s) changed type (e.g. code -> markdown)")
        if self.changed:
            lines.append(f"  {len(self.changed)} locked test cell(s) were edited; grading restores the originals")
        for cell in self.failed:
            err = cell.get("raw_error", "").strip()
            if not err:
                first = cell["source"].splitlines()[0] if cell["source"] else ""
                err = f"failed: {first[:80]}"
            lines.append("  " + err.replace("\n", "\n  "))
        return "\n".join(lines)


def validate_notebook(path: Path, cell_timeout: int = CELL_TIMEOUT) -> ValidationResult:
    """Execute one notebook and report failed, changed and type-changed cells."""
    limit_kernel_threads()
    c = Config()
    c.Execute.timeout = cell_timeout
    c.Execute.extra_arguments = list(KERNEL_ARGUMENTS)
    path = Path(path)
    try:
        results = CourseValidator(config=c).validate(str(path.resolve()))
    except Exception as exc:  # corrupt JSON, dead kernel, ...
        return ValidationResult(path, error=f"{type(exc).__name__}: {exc}")
    return ValidationResult(
        path,
        failed=results.get("failed", []),
        changed=results.get("changed", []),
        type_changed=results.get("type_changed", []),
    )
