"""autograder: the instructor's side of the course, a thin layer over nbgrader.

``python -m autograder release | validate | grade | publish`` (see ``cli.py``). It knows nothing of
optimizers; ``course_utils`` knows nothing of grading.
"""

import sys as _sys

# nbformat imports jsonschema, whose format checkers import ``rfc3987_syntax`` when it is installed
# (jupyter_server's dependencies install it): that module compiles ~40 lark grammars at import time,
# about 1 s on 2 cores, in every grading, validating and feedback process, for the "iri" string
# formats, which no schema the grader validates (nbformat's, nbgrader's) uses. Marking it absent
# makes jsonschema skip those two checkers, as it does where the package is not installed.
_sys.modules.setdefault("rfc3987_syntax", None)
