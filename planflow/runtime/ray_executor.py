"""Run batch items on Ray: a local Ray on loopback, or the cluster at RAY_ADDRESS.

The batch semantics stay ours (`batch.py`, `with_retries`); this module only decides where items
run. Items travel in chunks so per-task overhead is paid once per chunk; at most `limit` items
are out at once (the window), and chunks that finish early wait in a buffer of at most the window
so the consumer gets results in input order. Arguments are prepared a chunk at a time, just
before it is sent, so a large batch is never held on the driver as tasks or arguments.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planflow.runtime.errors import NodeFailure
from planflow.runtime.executor import BatchJob, OnDone
from planflow.runtime.ray_worker import ItemWorker, Outcome, WorkerSetup

CHUNKS_PER_WORKER = 2  # in flight per worker: one running, one waiting, so no worker idles on a round trip
MAX_CHUNK = 256
STOP_TIMEOUT_SECONDS = 10.0


class RemoteItemFailure(NodeFailure):
    """An item's error as the worker described it (exceptions do not always survive pickling)."""


def chunk_size(count: int, limit: int, workers: int) -> int:
    """Large enough to amortise Ray's per-task cost, small enough that every worker has work and
    that the window (`limit` items) holds a few chunks."""
    share = max(1, limit // (workers * CHUNKS_PER_WORKER))
    spread = max(1, math.ceil(count / (workers * 4)))
    return max(1, min(share, spread, MAX_CHUNK))


@contextlib.contextmanager
def _keeping_sigterm_handler() -> Iterator[None]:
    """ray.init replaces the SIGTERM handler with one that exits at once. A caller's own handler
    (the CLI's, which stops the run the way Ctrl-C does, and then shuts Ray down) is put back;
    without one, Ray's stays, as it cleans up its processes."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if main else None
    try:
        yield
    finally:
        if callable(previous):
            signal.signal(signal.SIGTERM, previous)


@dataclass
class _Chunk:
    start: int
    end: int
    worker: int
    sent: int = 0  # items that went to the worker (the others failed to prepare)
    outcomes: list[Outcome] = field(default_factory=list)
    future: asyncio.Future[Any] | None = None


class RayExecutor:
    def __init__(self, address: str | None = None, runtime_env: dict[str, Any] | None = None) -> None:
        # "" means start a local Ray even when RAY_ADDRESS is set
        self.address = (address if address is not None else os.environ.get("RAY_ADDRESS")) or None
        self._runtime_env = runtime_env or {}
        self._started_ray = False
        self._pools: dict[bool, list[Any]] = {}
        self.nodes_used: set[str] = set()  # Ray node ids that ran items, for tests and reports
        self.chunks_sent = 0

    # -- cluster -----------------------------------------------------------------------------

    def connect(self) -> None:
        """Join RAY_ADDRESS, or start a local Ray that listens on loopback only."""
        if not self.address:
            # Read when ray is imported: without it, Ray on Linux listens on every interface
            # (measured: 13 of 15 sockets on 0.0.0.0 or ::); with it, all on 127.0.0.1.
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        import ray

        if ray.is_initialized():
            return
        import planflow

        package = str(Path(planflow.__file__).resolve().parent)
        env = dict(self._runtime_env)
        env["py_modules"] = [package, *env.get("py_modules", [])]
        options: dict[str, Any] = {
            "runtime_env": env,
            "log_to_driver": False,
            "logging_level": logging.WARNING,
            "configure_logging": False,
        }
        with _keeping_sigterm_handler():
            if self.address:
                ray.init(address=self.address, **options)
            else:
                # "local", not None: None would join whatever cluster `ray start` last recorded in /tmp/ray
                ray.init(address="local", _node_ip_address="127.0.0.1", include_dashboard=False, **options)
        self._started_ray = True

    def _pool(self, io_bound: bool) -> list[Any]:
        """Workers, one per CPU in the cluster, spread over its nodes. I/O-bound ones claim no
        CPU (each runs many items at once); CPU-bound ones claim one and run an item at a time."""
        if io_bound not in self._pools:
            import ray

            cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
            actor = ray.remote(ItemWorker).options(
                num_cpus=0 if io_bound else 1, max_concurrency=10_000, scheduling_strategy="SPREAD"
            )
            self._pools[io_bound] = [actor.remote(None if io_bound else 1) for _ in range(cpus)]  # type: ignore[attr-defined]
        return self._pools[io_bound]

    def close(self) -> None:
        import ray

        if not ray.is_initialized():
            return
        for pool in self._pools.values():
            for worker in pool:
                with contextlib.suppress(Exception):
                    ray.kill(worker)
        self._pools.clear()
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

    # -- items -------------------------------------------------------------------------------

    async def map(self, job: BatchJob, limit: int, on_done: OnDone) -> None:
        count = len(job.items)
        if count == 0:
            return
        self.connect()
        workers = self._pool(job.io_bound)
        size = chunk_size(count, limit, len(workers))
        ctx = job.context
        setup = WorkerSetup(
            batch_id=uuid.uuid4().hex,
            node_id=ctx.node_id,
            concurrency=ctx.concurrency,
            cwd=str(ctx.run.cwd.resolve()),
            default_model=ctx.run.models.default,
            url_policy=ctx.run.url_policy,
            call=job.call,
            attempts=job.attempts,
            retry_wait=job.retry_wait,
            fail_fast=job.fail_fast,
            paths=ctx.paths,
        )
        out_items = [0] * len(workers)  # items sent to each worker and not yet back
        pending: dict[int, _Chunk] = {}  # by start index, sent and not yet delivered
        next_index = delivered = 0
        stopping = False

        def send() -> None:
            nonlocal next_index
            while not stopping and next_index < count:
                room = limit - sum(out_items)
                if room <= 0:
                    return
                end = min(next_index + size, next_index + room, count)
                worker = min(range(len(workers)), key=out_items.__getitem__)
                chunk = _Chunk(next_index, end, worker)
                args: list[tuple[int, Any]] = []
                for index in range(next_index, end):
                    try:
                        args.append((index, job.prepare(job.items[index])))
                    except Exception as exc:  # a template that cannot resolve: that item's error
                        chunk.outcomes.append((index, False, exc))
                if args:
                    ref = workers[worker].run_chunk.remote(setup, args)
                    chunk.future = asyncio.wrap_future(ref.future())
                    chunk.sent = len(args)
                    self.chunks_sent += 1
                    out_items[worker] += chunk.sent
                pending[next_index] = chunk
                next_index = end

        def deliver_ready() -> bool:
            """Hand over finished chunks in input order; False once the consumer says stop."""
            nonlocal delivered
            keep_going = True
            while delivered in pending and pending[delivered].future is None:
                chunk = pending.pop(delivered)
                for index, ok, value in sorted(chunk.outcomes, key=lambda o: o[0]):
                    error = None if ok else value if isinstance(value, BaseException) else RemoteItemFailure(value)
                    keep_going = on_done(index, value if ok else None, error) and keep_going
                delivered = chunk.end
            return keep_going

        def stop_workers() -> list[Any]:
            return [worker.stop.remote(setup.batch_id) for worker in workers]

        try:
            send()
            while True:
                if not deliver_ready() and not stopping:
                    stopping = True
                    stop_workers()
                running = {c.future: c for c in pending.values() if c.future is not None}
                if not running:
                    if stopping or next_index >= count:
                        break
                    send()
                    continue
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for future in done:
                    chunk = running[future]
                    chunk.future = None
                    out_items[chunk.worker] -= chunk.sent
                    chunk.outcomes.extend(self._outcomes(future, chunk))
                    if job.fail_fast and any(not ok for _, ok, _ in chunk.outcomes) and not stopping:
                        stopping = True  # stop now, not when this chunk's turn to be delivered comes
                        stop_workers()
                send()
            # after a stop: every chunk has come back with what it finished; hand it all over
            for start in sorted(pending):
                delivered = start
                deliver_ready()
        except asyncio.CancelledError:
            # Ctrl-C: the executor is closed (its workers killed) right after this, so wait
            # until the workers have ended their items; bounded, so a stuck worker cannot hang us
            import ray

            with contextlib.suppress(Exception):
                ray.get(stop_workers(), timeout=STOP_TIMEOUT_SECONDS)
            raise
        finally:
            for worker in workers:
                worker.finish.remote(setup.batch_id)

    def _outcomes(self, future: asyncio.Future[Any], chunk: _Chunk) -> list[Outcome]:
        try:
            node, outcomes = future.result()
        except Exception as exc:  # the worker died or Ray failed: every item of the chunk failed
            reason = f"ray worker failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            done = {o[0] for o in chunk.outcomes}
            return [(i, False, reason) for i in range(chunk.start, chunk.end) if i not in done]
        self.nodes_used.add(node)
        return list(outcomes)
