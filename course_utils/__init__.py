"""course_utils: the helpers every notebook of *Training Neural Networks II, hands-on* imports.

One module per job:

- ``landscapes``: 2-D and N-D test losses with analytic gradients and Hessians, and a runner that
  follows an update rule across them.
- ``data``: offline real data (digits, photographs, MNIST-1D) and loaders.
- ``models``: MLP, small CNN, small ResNet (with a stochastic-depth hook).
- ``optim``: the adapter that turns a functional update rule into a ``torch.optim.Optimizer``.
- ``training``: one small fit/evaluate loop with a tqdm bar and a history object.
- ``plotting``: contours and trajectories, loss curves, image grids.
- ``gradcheck``: numerical gradients and relative errors.
- ``checks``: assertion helpers for test cells that name the mistake they recognise.
- ``aspects``: partial credit by aspect for test cells (each aspect passed or failed with its reason).
- ``device``: device choice, seeding, determinism, an environment report.
- ``exercise``: notebook conveniences (experiments that wait politely for unfinished exercises).
- ``notebook_import``: the student's own functions loaded back from an earlier notebook, and
  labelled ``torch.optim`` stand-ins for the ones not done yet (notebook 06).

This package contains no solution to a graded exercise.
"""

__version__ = "0.1.0"
