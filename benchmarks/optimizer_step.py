"""Benchmark: one Adam step over a network-shaped list of tensors, against the memory-bandwidth floor.

An fp32 Adam step must read the parameter, its gradient and both moments and write the parameter and
both moments: at least 28 bytes per parameter. Its time can never be below ``28 P / B`` for ``P``
parameters and memory bandwidth ``B``; we measure ``B`` STREAM-style, as the rate of ``a.add_(b)`` on
arrays as large as the step's own tensors on the same device, and report every step as a fraction of
that floor. Times are the best of several runs (the least noisy estimate on a shared machine).

Contenders, all on the same tensors:

- ``adam_foreach_step`` from a notebook 11 (the student's multi-tensor step; loaded from the notebook's
  answer cell with :func:`course_utils.notebook_import.load_answers`, checked against
  ``torch.optim.Adam`` before it is timed);
- ``torch.optim.Adam(foreach=False)``: torch's per-parameter Python loop;
- ``torch.optim.Adam(foreach=True)``: torch's multi-tensor implementation;
- ``torch.optim.Adam(fused=True)``: one fused kernel.

Usage (from the repository root)::

    python benchmarks/optimizer_step.py                         # 100 M parameters on a GPU, 2 M on a CPU
    python benchmarks/optimizer_step.py --params 20e6 --notebook solutions/11_transfer_learning/11_transfer_learning.ipynb

On a CPU the default size is small and the result is labelled as such: CPU numbers say little about
a GPU, where kernel-launch overhead is what separates a per-parameter loop from a multi-tensor step.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTEBOOK = ROOT / "notebooks" / "11_transfer_learning" / "11_transfer_learning.ipynb"
BYTES_PER_PARAM = 28  # fp32: read p, g, m, v (16 bytes), write p, m, v (12 bytes)


def network_like_shapes(total: int) -> list[tuple]:
    """Shapes of a network with about ``total`` parameters: big matrices plus many small vectors,
    about 200 tensors in all (as in the notebook)."""
    shapes, count, width = [], 0, max(8, int((total / 125) ** 0.5))
    while count < total:
        for s in ((width, width), (width,), (width,), (2 * width, width), (2 * width,), (width, 2 * width), (width,), (width,)):
            shapes.append(s)
            count += int(np.prod(s))
    return shapes


def race(contenders: dict, rounds: int, device: torch.device) -> dict:
    """Best (smallest) wall seconds of each function, timed in turns (one call of each per round, after
    one warm-up call each), so that a change in the machine's load hits every contender alike."""
    for fn in contenders.values():
        fn()
    best = {name: float("inf") for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            if device.type == "cuda":
                torch.cuda.synchronize()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def load_student_step(notebook: Path):
    """The notebook's ``adam_foreach_step``, or (None, reason)."""
    sys.path.insert(0, str(ROOT))
    from course_utils.notebook_import import load_answers

    threads = torch.get_num_threads()  # the notebook's setup cell may change it
    answers = load_answers(notebook, ["adam_foreach_step"], probe=None, verbose=False)
    torch.set_num_threads(threads)
    fn = answers.get("adam_foreach_step")
    if fn is None:
        return None, answers.missing.get("adam_foreach_step", "not found")
    try:  # check it against torch.optim.Adam before timing it: a wrong step is not a fast step
        torch.manual_seed(0)
        ps = [torch.randn(5, 3), torch.randn(7)]
        ref = [nn.Parameter(p.clone()) for p in ps]
        opt = torch.optim.Adam(ref, lr=1e-2, weight_decay=0.1, foreach=False)
        ms, vs = [torch.zeros_like(p) for p in ps], [torch.zeros_like(p) for p in ps]
        for t in range(1, 4):
            gs = [torch.randn_like(p) for p in ps]
            for q, g in zip(ref, gs):
                q.grad = g.clone()
            opt.step()
            fn(ps, gs, ms, vs, t, lr=1e-2, weight_decay=0.1)
        if not all(torch.allclose(p, q.detach(), rtol=1e-5, atol=1e-6) for p, q in zip(ps, ref)):
            return None, "does not match torch.optim.Adam"
    except NotImplementedError:
        return None, "still raises NotImplementedError"
    except Exception as err:  # noqa: BLE001 - any crash of a student's function is reported, not raised
        return None, f"{type(err).__name__}: {err}"
    return fn, None


def run(n_params: int, device: torch.device, repeats: int, student=None) -> dict:
    """Time every contender on one list of tensors. Returns a dict of results (seconds and fractions).

    The bandwidth probe, ``a.add_(b)`` on two float32 arrays as large as the step's four (STREAM-style:
    read a and b, write a; like Adam it writes only what it has just read, whereas a plain copy would also
    read the destination first on a CPU), runs in the same rounds as the steps."""
    shapes = network_like_shapes(n_params)
    n = sum(int(np.prod(s)) for s in shapes)
    g = torch.Generator(device=device).manual_seed(0)
    params = [torch.randn(s, device=device, generator=g) for s in shapes]
    grads = [torch.randn(s, device=device, generator=g) for s in shapes]
    a_big, b_big = torch.ones(2 * n, device=device), torch.ones(2 * n, device=device)
    contenders = {"bandwidth probe": lambda: a_big.add_(b_big)}
    if student is not None:
        ms, vs = [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]
        counter = {"t": 0}

        def yours():
            counter["t"] += 1
            student(params, grads, ms, vs, counter["t"], lr=1e-6)

        contenders["yours (adam_foreach_step)"] = yours
    for name, options in (("torch Adam, per-parameter loop", dict(foreach=False)),
                          ("torch Adam, foreach", dict(foreach=True)), ("torch Adam, fused", dict(fused=True))):
        ps = [nn.Parameter(p.clone()) for p in params]
        for q, gr in zip(ps, grads):
            q.grad = gr
        try:
            contenders[name] = torch.optim.Adam(ps, lr=1e-6, **options).step
        except (RuntimeError, ValueError) as err:
            print(f"{name}: not available here ({err})")
    best = race(contenders, repeats, device)
    bandwidth = 3 * 4 * a_big.numel() / best.pop("bandwidth probe")
    floor = BYTES_PER_PARAM * n / bandwidth
    results = {"device": str(device), "params": n, "tensors": len(shapes), "bandwidth_GBps": bandwidth / 1e9,
               "floor_ms": 1e3 * floor, "rounds": repeats, "steps": {}}
    if device.type == "cuda":
        results["gpu"] = torch.cuda.get_device_name(device)
    for name, seconds in best.items():
        results["steps"][name] = {"ms": 1e3 * seconds, "params_per_s": n / seconds, "fraction_of_floor": floor / seconds}
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--params", type=float, default=None, help="parameters (default: 100e6 on a GPU, 2e6 on a CPU)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK, help="notebook 11 to take adam_foreach_step from")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    n_params = int(args.params or (100e6 if device.type == "cuda" else 2e6))
    repeats = args.repeats or (20 if device.type == "cuda" else 5)
    student, why = load_student_step(args.notebook)
    if student is None:
        print(f"adam_foreach_step from {args.notebook}: left out ({why})")
    results = run(n_params, device, repeats, student)
    label = results.get("gpu", "GPU") if device.type == "cuda" else "CPU, SMALL SIZE (not the GPU experiment)"
    print(f"{label}: {results['params'] / 1e6:.1f} M parameters in {results['tensors']} tensors, fp32; "
          f"measured bandwidth (a.add_(b)) {results['bandwidth_GBps']:.1f} GB/s -> floor {results['floor_ms']:.2f} ms per step "
          f"({BYTES_PER_PARAM} bytes per parameter); best of {repeats} rounds")
    for name, r in sorted(results["steps"].items(), key=lambda kv: kv[1]["ms"]):
        print(f"  {name:34s} {r['ms']:9.2f} ms  {r['params_per_s'] / 1e6:9.0f} M params/s  "
              f"{r['fraction_of_floor']:7.1%} of the bandwidth floor")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
