"""autograder: the instructor's side of the course, a thin layer over nbgrader.

``python -m autograder release | validate | grade | publish`` (see ``cli.py``). It knows nothing of
optimizers; ``course_utils`` knows nothing of grading.
"""
