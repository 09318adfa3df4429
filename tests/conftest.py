import os

import matplotlib

matplotlib.use("Agg")
# Notebook kernels started by the tests use the CPU path even on a machine with a GPU.
os.environ.setdefault("COURSE_DEVICE", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
