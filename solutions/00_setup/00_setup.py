# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Setup and tour
#
# Welcome to **Training Neural Networks II, hands-on**. In this course you implement, test and
# measure every optimizer, regularizer, data augmentation and transfer-learning technique of the
# lecture notes, one notebook per topic. You write the core of each method yourself (an update rule,
# a dropout layer, a learning-rate schedule, ...); the course's helper package `course_utils` does
# the rest (data, toy loss landscapes, models, the training loop, plots), so that each notebook shows
# only the idea being taught. Then you run experiments that check the notes' claims with numbers.
#
# This notebook is worth **0 points**: there is nothing to hand in. It takes a few seconds to run and
# shows you
#
# 1. the plan of the course and how every notebook is laid out;
# 2. that your environment works, and whether a GPU was found;
# 3. how exercises, tests and grading work, on a toy example you cannot get wrong;
# 4. a first picture of a loss landscape, as a teaser for notebook 01;
# 5. how self-learners (no instructor, no grader) check their work.
#
# Run it top to bottom: **Run > Run All Cells**, or <kbd>Shift</kbd>+<kbd>Enter</kbd> cell by cell.
# The first code cell below holds all the imports and seeds the random generators; run it first
# whenever you (re)start the kernel.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import json
import time
from pathlib import Path

import numpy as np
import matplotlib.pyplot as plt
import torch
from tqdm.auto import tqdm

import course_utils
from course_utils.aspects import Aspects
from course_utils.checks import check_close, check_same_kind
from course_utils.device import describe_environment, get_device, has_gpu, seed_everything
from course_utils.exercise import experiment
from course_utils.landscapes import Quadratic, Rosenbrock
from course_utils.plotting import plot_landscape

rng = seed_everything(0)
DEVICE = get_device()
print(f"course_utils {course_utils.__version__}, device: {DEVICE}")

# %% [markdown]
# ## 1. The course at a glance
#
# The numbering is the teaching order: each notebook builds on the ones before it. Notebooks 01 to
# 05 work on small problems where we can see everything (2-D loss landscapes you can plot, quadratics
# with a known answer); from notebook 06 on, your own code trains real PyTorch networks on real data.
#
# | # | topic | what you build (graded) |
# | --- | --- | --- |
# | 00 | setup and tour (this notebook) | nothing: 0 points |
# | 01 | problems with SGD: ill-conditioning, saddle points, local minima, noise | `sgd` |
# | 02 | SGD with momentum, Nesterov momentum | `sgd_momentum`, `sgd_nesterov` |
# | 03 | AdaGrad, RMSProp, Adam, AdamW | `adagrad`, `rmsprop`, `adam`, `adamw` |
# | 04 | learning-rate decay | step, exponential, $1/t$, cosine schedules; linear warm-up |
# | 05 | second-order optimization | `newton_step`, `lbfgs_direction`, `lbfgs` |
# | 06 | optimizer showdown | your rules training a real network, a training recipe |
# | 07 | model ensembles | `ensemble_predict`, snapshot ensembles, Polyak averaging |
# | 08 | dropout | `dropout_forward`, `dropout_backward`, `Dropout` |
# | 09 | data augmentation | flips, crops and scales, 10-crop testing, colour jitter, PCA colour, ... |
# | 10 | DropConnect, fractional max pooling, stochastic depth | `dropconnect_forward`, `fractional_max_pool2d`, `stochastic_depth` |
# | 11 | transfer learning | linear probe, fine-tuning the last $k$ layers, discriminative learning rates |
#
# The update rules of notebooks 01 to 06 all share one signature, which you will meet in notebook 01:
#
# ```python
# next_w, config = rule(w, dw, config)
# ```
#
# where `w` are the weights, `dw` the gradient of the loss at `w`, and `config` a dict of
# hyperparameters and state. The same function works on NumPy arrays and on torch tensors, so the
# rule you test on a toy problem in notebook 02 is the one that trains a network in notebook 06.
#
# ### How every notebook is laid out
#
# 1. **The problem**: why the technique exists, what goes wrong without it.
# 2. **The math**, in a few lines of LaTeX.
# 3. **A picture** of the problem.
# 4. **The exercise**: an *answer cell* where you write a function.
# 5. **Visible tests**: checks you can read, with hand-worked numbers and messages that name your
#    mistake.
# 6. **Hidden tests**: stricter checks that run only when your work is graded.
# 7. **Experiments** with plots, which use your function. Each one says what the notes claim, what
#    we measured, and whether the two agree.
# 8. **Questions**, each with an answer you can unfold (try first!).
# 9. **A summary.**
#
# Every notebook runs top to bottom in under a minute on a laptop CPU.

# %% [markdown]
# ## 2. Your environment
#
# The table below lists the versions and the hardware this kernel sees. If you ask for help, paste
# it into your message: it answers half of the questions anyone would ask you.

# %%
env = describe_environment()
width = max(len(key) for key in env)
print(f"{'what':<{width}}  value")
print(f"{'-' * width}  {'-' * 40}")
for key, value in env.items():
    print(f"{key:<{width}}  {value}")
print()
if has_gpu():
    print(f"A GPU was found: the notebooks will use {DEVICE} and switch to bigger settings where it helps.")
else:
    print("No GPU found: everything runs on the CPU. That is fine: the whole course is built for a laptop.")

# %% [markdown]
# ### CPU or GPU?
#
# `course_utils.device.get_device()` picks the device every notebook uses: an NVIDIA GPU (CUDA) when
# there is one, then an Apple-silicon GPU (MPS), else the CPU. You can force a choice with the
# environment variable `COURSE_DEVICE`, e.g. start JupyterLab with `COURSE_DEVICE=cpu jupyter lab`
# to check that your code also runs without a GPU.
#
# **What changes when a GPU is present:** only *sizes*. Experiments use more samples, bigger models
# or more epochs, with the pattern `samples = 200_000 if has_gpu() else 20_000`, and notebook 11
# fine-tunes a pretrained network on the GPU. Nothing you are graded on needs a GPU: every test
# passes on a CPU, and every experiment has a CPU setting that finishes in seconds. Your update rules
# must simply work on whatever device their inputs live on (notebook 01 explains how).
#
# ### A tiny benchmark
#
# Multiplying two $n \times n$ matrices costs $2n^3$ floating-point operations ($n^3$ multiplications
# and as many additions). We time it on your device, show a progress bar while doing so (tqdm; longer
# loops in later notebooks show one too), and report the speed in GFLOP/s $= 2n^3 / (t \cdot 10^9)$,
# with $t$ the median time of one product in seconds.

# %%
def synchronize(device):
    """Wait for the device to finish: GPU work is asynchronous, so timing it needs this."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


with experiment("timing a matrix multiply"):
    n = 4096 if has_gpu() else 512  # the bigger-setting-on-a-GPU pattern of later notebooks
    repeats = 30
    a = torch.randn(n, n, device=DEVICE)
    b = torch.randn(n, n, device=DEVICE)
    a @ b  # warm-up: the first call pays one-off start-up costs
    synchronize(DEVICE)
    seconds = []
    for _ in tqdm(range(repeats), desc=f"{n}x{n} matmul on {DEVICE}"):
        t0 = time.perf_counter()
        c = a @ b
        synchronize(DEVICE)
        seconds.append(time.perf_counter() - t0)
    t = float(np.median(seconds))
    print(f"{n}x{n} @ {n}x{n} (float32) on {DEVICE}: median {t * 1e3:.2f} ms per product, "
          f"{2 * n**3 / t / 1e9:.1f} GFLOP/s")

# %% [markdown]
# A laptop CPU reaches tens to a few hundred GFLOP/s; a data-centre GPU reaches tens of thousands.
# The number depends on what else the machine is doing, so take it as an order of magnitude.

# %% [markdown]
# ## 3. How exercises work
#
# We walk through one exercise end to end. It is a toy, not graded, and already solved, so that you
# can see every piece working before notebook 01.
#
# ### 3.1 The answer cell
#
# In a real notebook the answer cell arrives with its signature and docstring in place, and a
# *stub* where the body should go:
#
# ```python
# def square(x):
#     """Return x squared, elementwise. ..."""
#     # YOUR CODE HERE
#     raise NotImplementedError("Not implemented yet: replace this line with your code, ...")
# ```
#
# You replace the two stub lines with your code, **run the cell** (which defines the function), then
# run the tests below it. Keep the function's name and signature: the grader calls it by name. An
# answer cell only *defines* functions: it does no work of its own at the top level, so it can be
# re-run at any time and tested alone. Here is the finished version of our toy:

# %%
def square(x):
    """Return x squared, elementwise.

    Inputs:
    - x: a number, a NumPy array or a torch tensor (CPU or GPU) of any shape.

    Returns:
    - x * x, of the same kind, shape, dtype and device as x.
    """
    return x * x


# %% [markdown]
# ### 3.2 A visible test cell
#
# In a real notebook, test cells are **locked**: you can run them, not edit them (nothing in this
# tour is locked, since nothing is graded). Visible tests use numbers you can check by hand, here
# $(-2)^2 = 4$, $0.5^2 = 0.25$ and $3^2 = 9$. They also know the answers that typical mistakes give
# (`suspects`), so that a failure tells you *what* is wrong instead of printing two arrays.
#
# **Points are split into aspects** (in notebooks 01-11). A test cell checks several things about your function, and
# each is an *aspect* worth part of the cell's points: the values themselves carry the largest share,
# the requirements around them (torch tensors on any device, dtypes, defaults, the state kept in
# `config`...) the rest. Each aspect is scored on its own, so a correct algorithm that misses one
# requirement keeps most of its points, and the table under the cell says exactly which aspect failed
# and why. Two rules: every aspect also checks some of the function's values, so that only a function
# that really computes them earns anything (a stub, or a function that returns its input, earns
# nothing; a function whose values are wrong loses most aspects), and a function that hands the work
# to `torch.optim` earns nothing at all. The cell's last line, `score.result()`, shows the table and
# the points; the grader reads the same number. A failed aspect does not stop the notebook: read the
# cell's output.

# %%
x = np.array([-2.0, 0.5, 3.0])
xt = torch.tensor([-2.0, 0.5, 3.0])
expected = np.array([4.0, 0.25, 9.0])
suspects = {
    "you doubled x (2 * x) instead of squaring it (x * x)": 2 * x,
    "you returned x unchanged": x,
    "you cubed x (x ** 3) instead of squaring it": x**3,
    "the sign is wrong: x squared is never negative": -expected,
}


def test_square(fn):
    """The toy's test: two aspects, worth 2 points together."""
    score = Aspects("square", points=2)
    with score.aspect("values on NumPy arrays", 1.5):
        check_close(fn(x), expected, "square(x)", suspects=suspects)
        check_same_kind(fn(x), x, "square(x) for a NumPy input")
    with score.aspect("torch tensors: values, kind, dtype and device", 0.5):
        check_close(fn(xt), expected, "square(x) for a torch input", rtol=1e-6)
        check_same_kind(fn(xt), xt, "square(x) for a torch input")
    return score.result()


test_square(square)

# %% [markdown]
# ### 3.3 What a failing test tells you
#
# Here are four plausible wrong versions of `square`. We run the same test on each: what it prints is
# exactly what you would see under a test cell (in JupyterLab the cell's result is also shown as a
# table of its aspects).

# %%
def square_doubled(x):
    return 2 * x


def square_forgot_return(x):
    x * x  # computed, but never returned


def square_off_by_one(x):
    return x * x + 1  # a slip no suspect describes


def square_numpy_only(x):
    return np.asarray(x) ** 2  # np.asarray turns a torch tensor into a NumPy array


for fn in [square_doubled, square_forgot_return, square_off_by_one, square_numpy_only]:
    print(f"--- {fn.__name__}")
    points = test_square(fn)
    print()

# %% [markdown]
# Read these messages before reaching for a debugger: for the first two, the NumPy aspect names the
# mistake; the third
# shows expected and actual values side by side (every entry is off by exactly 1); the fourth says
# what to write instead. The first three get the values wrong and earn nothing. The fourth is right
# on NumPy arrays and misses one requirement, torch tensors: it keeps 1.5 of the 2 points, and its
# message says what to fix.
#
# ### 3.4 Unfinished exercises and experiment cells
#
# Experiments call your functions. If an exercise is not done yet, its stub raises
# `NotImplementedError`, and an experiment that called it would stop the notebook with a long
# traceback. That is why every experiment cell is wrapped in `with experiment("title"):`, which turns
# exactly this one error into a polite note, so that **Run All** goes on past the experiments (it stops
# only at a hidden-test cell whose function is still a stub: see 3.5). Here is a stub
# left unfinished on purpose:

# %%
def cube(x):
    """Return x cubed, elementwise (left unfinished on purpose, as a released exercise arrives)."""
    # YOUR CODE HERE
    raise NotImplementedError("Not implemented yet: replace this line with your code, run the cell, "
                              "then run the tests below it.")


with experiment("cubes of a few numbers"):
    print(cube(np.array([1.0, 2.0, 3.0])))
    print("this line is never reached while cube is a stub")

# %% [markdown]
# Only `NotImplementedError` is treated this way. Any other error, a real bug in your code, is shown
# as usual, because hiding it would hide your mistake. (Below we catch it ourselves, only so that this
# tour keeps running.)

# %%
try:
    with experiment("squaring a word"):
        square("not a number")  # a str cannot be multiplied by a str: TypeError
except TypeError as err:
    print(f"experiment() let the bug through, as it should: TypeError: {err}")

# %% [markdown]
# ### 3.5 Hidden tests and points
#
# After the visible tests comes a **hidden test** cell. In your copy it keeps a comment saying what
# it checks and one call of your function (which fails while the function is a stub, so **Run All**
# stops there until you have written it); the rest of its body was removed from the release, and the
# grader puts it back. Hidden tests are strict: they compare your function with an independent oracle
# (`torch.optim`, `torch.nn.functional`, a closed form) over many steps, several shapes and dtypes,
# NumPy and torch inputs. So passing the visible tests is *necessary*, not sufficient: read the
# docstring and handle everything it promises (the defaults in `config`, float32 and float64, torch
# tensors on any device).
#
# Every graded cell carries nbgrader metadata: an id (`grade_id`), whether it is locked, and its
# points. A notebook is worth the sum of its test cells' points, visible and hidden. The cell below
# reads this metadata from notebook 01's release, if this copy of the course has it.

# %%
def find_course_root():
    """The course's folder (holding notebooks/ and course_utils/), or None if it cannot be found."""
    here = Path.cwd().resolve()
    for folder in [here, *here.parents, Path(course_utils.__file__).resolve().parent.parent]:
        if (folder / "notebooks").is_dir() and (folder / "course_utils").is_dir():
            return folder
    return None


ROOT = find_course_root()
nb01 = ROOT / "notebooks" / "01_sgd" / "01_sgd.ipynb" if ROOT else None
if nb01 is None or not nb01.exists():
    print("notebooks/01_sgd/01_sgd.ipynb not found next to course_utils: skipping this look inside.")
else:
    cells = json.loads(nb01.read_text(encoding="utf-8"))["cells"]
    print(f"graded and locked cells of {nb01.relative_to(ROOT)}:\n")
    print(f"{'grade_id':20s} {'kind':12s} {'points':>6s}  {'you may edit it?'}")
    total = 0
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        kind = "test" if meta.get("grade") else "answer" if meta.get("solution") else "setup"
        points = meta.get("points", 0) if meta.get("grade") else 0
        total += points
        print(f"{meta['grade_id']:20s} {kind:12s} {points:6g}  {'no (locked)' if meta.get('locked') else 'yes'}")
    print(f"\ntotal: {total:g} points")

# %% [markdown]
# ### 3.6 The rules of the game
#
# A grader runs your notebook in a fresh kernel, and it may run **only the cells that score**: the
# setup cell, the answer cells and the test cells, in order. Experiment cells may be skipped. Hence:
#
# - **Answers stand on their own.** Tests use only the setup cell, the answer cells and themselves,
#   so don't make your answer rely on a variable that an experiment cell creates, or on a cell of
#   your own that also runs code: it does not exist in the sliced run. (Our grader notices, because
#   a test then meets `NameError`, and grades your notebook again with every cell run, so you lose
#   nothing; the report says so. Other graders may not be as forgiving.)
# - **Never edit a locked cell** (setup and tests). The grader replaces locked cells by its own
#   copies, so an edit there changes nothing except your own confusion.
# - **Don't rename graded functions or change their signatures**, and keep each answer in its own
#   answer cell. Helper functions are fine, in the answer cell or in a cell of your own that only
#   defines things (functions, classes, constants).
# - **Don't copy or paste graded cells**: a copy carries the same `grade_id`, and nbgrader then
#   ignores one of them. For scratch work, insert a *new* cell (the <kbd>+</kbd> button).
# - **No slow top-level work in answer cells**, and no infinite loops: each cell has a time limit
#   when grading (two minutes), and a loop that never ends costs you every test that calls it.
# - **Before you hand in, restart and run everything**: *Kernel > Restart Kernel and Run All Cells*.
#   A notebook that only works because of a cell you ran an hour ago and then deleted will fail when
#   graded.
#
# ### 3.7 Checking your work before you hand it in
#
# - **In JupyterLab** (with nbgrader's extension, which the course environment installs): open the
#   notebook, **save it**, and press **Validate** in the notebook's toolbar. It runs the saved
#   notebook from top to bottom in a fresh kernel and lists the tests that fail.
# - **From a terminal**, in the course's root folder (the one holding `notebooks/`):
#
#   ```
#   python -m autograder validate notebooks/01_sgd/01_sgd.ipynb
#   ```
#
#   It prints `PASS` or `FAIL` per notebook, and for each failing test its name, its points and each
#   failed aspect with its whole message; it exits with status 1 if anything failed (handy in a
#   script). Both run what is in your copy: the visible tests, and the one call at the top of each
#   hidden-test cell. The hidden tests themselves run only when your work is graded.

# %% [markdown]
# ### Questions
#
# **Q1.** All visible tests of notebook 03 pass, yet the grade says you lost the points of a hidden
# test. How can that be?
#
# <details><summary>Answer</summary>
#
# Visible tests check a few hand-worked cases; hidden tests check many steps, random shapes and
# values, float32 and float64, and torch tensors (a GPU tensor too, when the grader has one) against
# an oracle. Typical causes: a bug that the few hand-worked numbers cannot show (a step that is only
# right for the first few calls, a hyperparameter read from the wrong key but equal to its default
# in the visible case), or a state stored in `config` that the next call does not read back the way
# torch does.
# </details>
#
# **Q2.** An experiment cell prints "skipped: \`adam\` still raises NotImplementedError". What do
# you do?
#
# <details><summary>Answer</summary>
#
# Finish `adam` in its answer cell, **run that cell** (writing the code is not enough: running the
# cell is what redefines the function), run its tests, then re-run the experiment.
# </details>
#
# **Q3.** Your answer cell uses a variable `lr` that an experiment cell above it defines. It passes
# when you run everything. Why might it fail when graded?
#
# <details><summary>Answer</summary>
#
# The grader may run only the setup, answer and test cells, so the experiment that defines `lr`
# never runs and the answer raises a `NameError`. Put everything the function needs inside the answer
# cell (or take it from the arguments, e.g. `config`).
# </details>

# %% [markdown]
# ## 4. A first picture: loss landscapes
#
# Most of notebooks 01 to 05 happen on *loss landscapes*: functions of two weights $w = (w_1, w_2)$
# that we can draw as contour lines, like a hiking map, with the minimum marked by a star. Two of
# them, from `course_utils.landscapes`:
#
# - an ill-conditioned quadratic $f(w) = \tfrac12 w^\top H w$ with curvatures (eigenvalues of the
#   Hessian $H$) $\mu = 1$ and $L = 10$: a long narrow valley;
# - Rosenbrock's banana valley, $f(w) = (1 - w_1)^2 + 100\,(w_2 - w_1^2)^2$, minimum at $(1, 1)$.
#
# The **condition number** $\kappa = L / \mu$, the ratio of the steepest to the shallowest curvature
# at the minimum, measures how narrow a valley is. The arrows show the *negative gradient* at a
# starting point: the direction of steepest descent, the one gradient descent steps in.

# %%
with experiment("a first look at two loss landscapes"):
    landscapes = [(Quadratic.ill_conditioned(kappa=10), np.array([-1.0, 0.4])),
                  (Rosenbrock(), np.array([-1.2, 1.0]))]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.7, 1]})
    for ax, (land, start) in zip(axes, landscapes):
        plot_landscape(land, ax=ax)
        down = -land.grad(start)
        down /= np.linalg.norm(down)  # the direction only
        span = land.extent[1] - land.extent[0]
        ax.quiver(*start, *down, color="white", angles="xy", scale_units="xy", scale=4 / span, width=0.008,
                  zorder=6)
        ax.plot(*start, "o", color="tab:red", markersize=9, markeredgecolor="k", zorder=7,
                label="start (arrow: steepest descent)")
        ax.set_aspect("equal")  # true angles: one unit is as long on both axes
        to_min = (land.minimum - start) / np.linalg.norm(land.minimum - start)
        angle = np.degrees(np.arccos(np.clip(down @ to_min, -1.0, 1.0)))
        curvatures = np.linalg.eigvalsh(land.hessian(land.minimum))
        kappa = curvatures.max() / curvatures.min()
        ax.set_title(f"{type(land).__name__}, $\\kappa$ = {kappa:.0f} at the minimum")
        ax.legend(loc="lower right", fontsize=8)
        print(f"{land.name}: curvatures at the minimum {curvatures[0]:.3g} and {curvatures[1]:.4g}, "
              f"kappa = {kappa:.0f};\n  steepest descent from ({start[0]:g}, {start[1]:g}) misses the straight line to the "
              f"minimum by {angle:.0f} degrees")
    fig.tight_layout()
    plt.show()

# %% [markdown]
# On the quadratic, the steepest way down misses the direction to the minimum by 54 degrees: it points
# mostly *across* the valley, at its far wall, not along it to the star. On Rosenbrock the start lies
# just outside the curved valley and the arrow points straight across it (22 degrees off the straight
# line to the star, which is not the way to walk anyway: the valley bends). Along the valley floor the
# going is slow: at the minimum the curvature is about 1002 across the valley and only 0.4 along it,
# $\kappa \approx 2500$.
# In notebook 01 you write the rule that follows these arrows, and measure how many steps a valley
# with condition number $\kappa$ costs it.

# %% [markdown]
# ## 5. For self-learners
#
# Studying on your own, with no instructor and no grader? Everything above still applies; a few
# extras:
#
# - **Check your work** with the visible tests, the **Validate** button, or
#   `python -m autograder validate notebooks/NN_name/NN_name.ipynb` from the course's root folder.
#   In a copy of the course without the `autograder/` folder, use nbgrader's own command, `nbgrader validate notebooks/NN_name/NN_name.ipynb`, and read what it
#   prints (`VALIDATION FAILED ON n CELL(S)`, followed by each failing cell and its error): it exits
#   with status 0 even when a test fails.
# - **Run the hidden tests too**, if you have the full repository: copy your notebook into a folder
#   laid out like a class's submissions, `mywork/<your name>/01_sgd/01_sgd.ipynb`, and run
#   `python -m autograder grade mywork --out mygrades` from the root folder. You get your score in
#   `mygrades/grades.csv` and a feedback page per notebook in `mygrades/feedback/`.
# - **The solutions** are in the full repository under `solutions/NN_name/`: `NN_name.py` is the
#   readable source (jupytext), `NN_name.ipynb` the same as a notebook, with the reference answers and
#   the hidden tests. Try first; look only after your own version passes its visible tests, or after a
#   real attempt. Comparing a working answer with the reference is how you learn the most.
# - **The questions** have answers folded under *Answer*: write yours down before unfolding.
#
# The cell below tells you which kind of copy you have.

# %%
if ROOT is None:
    print("Could not locate the course folder from here: run JupyterLab from inside the course folder.")
else:
    has = {name: (ROOT / name).is_dir() for name in ["notebooks", "solutions", "autograder"]}
    for name, present in has.items():
        print(f"{name + '/':12s} {'present' if present else 'absent'}")
    if has["solutions"] and has["autograder"]:
        print("\nThis is the full repository: solutions and the grading tools are here.")
    elif has["autograder"]:
        print("\nThis is a student copy: no solutions here; validate with `python -m autograder validate ...`.")
    else:
        print("\nThis copy has no grading tools: validate with nbgrader's own command.")

# %% [markdown]
# ## Summary
#
# - Twelve notebooks, 00 to 11, in teaching order: the problems of SGD, momentum, adaptive methods,
#   schedules, second-order methods, then regularization, augmentation and transfer learning on real
#   networks. Each one goes: problem, math, picture, exercise, visible tests, hidden tests,
#   experiments, questions, summary.
# - `get_device()` picks a GPU when there is one, and later notebooks then use bigger settings; every
#   test and every experiment also runs on a laptop CPU. `COURSE_DEVICE=cpu` forces the CPU.
# - You fill in **answer cells** (replace the `NotImplementedError` stub, run the cell), then run the
#   **visible tests**, whose messages name typical mistakes. **Hidden tests** run only when grading and
#   are stricter. In notebooks 01-11 a test cell's points are split into aspects, so a right
#   algorithm that misses one requirement keeps most of them.
# - Experiments wait politely (`with experiment(...)`) for unfinished exercises, but never hide a real
#   bug.
# - The grader may run only setup, answer and test cells: keep answers self-contained, leave locked
#   cells alone, keep graded functions' names, and restart-and-run-all before handing in.
# - Check your work with **Validate** or `python -m autograder validate ...`.
#
# Next: **notebook 01**, where you write your first update rule, `sgd`, and measure what goes wrong
# with it on the landscapes above.
