import os

import matplotlib

matplotlib.use("Agg")
# Notebook kernels started by the tests use the CPU path even on a machine with a GPU.
os.environ.setdefault("COURSE_DEVICE", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
# One BLAS/OpenMP thread per process: the suite runs two workers on two cores, and torch's small
# models run many times slower with two threads competing for the same cores. Notebook kernels and
# the grader inherit this.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
