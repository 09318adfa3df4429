"""Where notebooks are executed while grading: warm fork servers, on this machine or on Dask.

``LocalPool(n)`` starts ``n`` fork servers (:class:`autograder.forkserver.WarmKernel`), each
paying the imports once, and runs jobs on them from ``n`` threads. ``DaskPool(address)`` sends
each job to a Dask distributed cluster (a ``LocalCluster`` of ``n`` worker processes when no
address is given); every Dask worker process keeps one fork server of its own, started on its
first job. Both return ``concurrent.futures``-style futures whose result is the fork server's
answer for the job.
"""

from __future__ import annotations

import queue
from concurrent.futures import Future, ThreadPoolExecutor

from .forkserver import WarmKernel


class LocalPool:
    """``jobs`` warm fork servers; ``lean``: servers that skip the heavy warm imports (for a
    handful of submissions, where start-up is most of the wait)."""

    def __init__(self, jobs: int = 1, lean: bool = False):
        self.jobs = max(1, int(jobs))
        self._kernels: queue.Queue = queue.Queue()
        self._started = []
        env = {"TNN2_WARM": "lean"} if lean else None
        with ThreadPoolExecutor(self.jobs) as ex:  # start the servers side by side
            for k in ex.map(lambda _: WarmKernel(env=env), range(self.jobs)):
                self._kernels.put(k)
                self._started.append(k)
        self._threads = ThreadPoolExecutor(self.jobs, thread_name_prefix="grade")
        self._closing = False
        self._env = env

    @property
    def uids(self) -> list[int]:
        """The sandbox uid of each worker (as root, submissions run as these)."""
        return [k.uid for k in self._started]

    def _run(self, job: dict) -> dict:
        kernel = self._kernels.get()
        try:
            return kernel.run(job)
        except RuntimeError:  # the server itself died (it should not): replace it, once
            kernel.close()  # and kill whatever still runs as its uid
            if self._closing:
                raise
            kernel = WarmKernel(env=self._env)
            self._started.append(kernel)
            return kernel.run(job)
        finally:
            self._kernels.put(kernel)

    def submit(self, job: dict) -> Future:
        return self._threads.submit(self._run, job)

    def close(self, interrupted: bool = False) -> None:
        """Stop the workers. ``interrupted``: at once, mid-job (what runs is killed, queued jobs are
        dropped); otherwise after the jobs submitted so far."""
        self._closing = True
        if interrupted:
            self._threads.shutdown(wait=False, cancel_futures=True)
            for kernel in self._started:
                kernel.close()
            return
        self._threads.shutdown(wait=True)
        for kernel in self._started:
            kernel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_WORKER_KERNEL = None


def run_on_dask_worker(job: dict) -> dict:
    """The Dask task: one fork server per worker process, kept for the worker's lifetime."""
    global _WORKER_KERNEL
    if _WORKER_KERNEL is None or _WORKER_KERNEL.proc.poll() is not None:
        _WORKER_KERNEL = WarmKernel()
    return _WORKER_KERNEL.run(job)


class DaskPool:
    """Grading jobs on Dask distributed. ``address=None`` starts a local cluster of ``jobs`` workers
    (one thread each) on 127.0.0.1 and stops it on close."""

    def __init__(self, address: str | None = None, jobs: int = 1):
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if address is None:
            self.cluster = LocalCluster(n_workers=max(1, int(jobs)), threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address=None, silence_logs=40)
            address = self.cluster.scheduler_address
        self.client = Client(address)
        self.address = address

    def submit(self, job: dict) -> Future:
        return self.client.submit(run_on_dask_worker, job, pure=False)

    def close(self, interrupted: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
