"""What one run shares across nodes: model lookup, an HTTP client, thread pools, progress, and
the cap on processes alive at once."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planflow.runtime.errors import InputError
from planflow.runtime.executor import ItemExecutor, LocalExecutor
from planflow.runtime.models import ModelCache
from planflow.runtime.pacing import LLMGate
from planflow.runtime.paths import PathPolicy
from planflow.runtime.progress import NullProgress, Progress

if TYPE_CHECKING:
    import aiohttp

    from planflow.runtime.recording import RunRecorder


def _local_executor() -> ItemExecutor:
    return LocalExecutor()


MAX_PROCESSES_VARIABLE = "PLANFLOW_MAX_PROCESSES"


def default_max_processes() -> int:
    """PLANFLOW_MAX_PROCESSES, else max(8, 4 x usable CPUs): sibling batches each honour their own
    max_concurrent, so without a run-wide cap 20 batches x 100 started 2,000 processes at once."""
    value = os.environ.get(MAX_PROCESSES_VARIABLE, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise InputError(f"{MAX_PROCESSES_VARIABLE} must be a whole number of at least 1, got {value!r}")
        return int(value)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(8, 4 * cpus)


_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass
class RunContext:
    cwd: Path = field(default_factory=Path.cwd)
    models: ModelCache = field(default_factory=ModelCache)
    progress: Progress = field(default_factory=NullProgress)
    executor: ItemExecutor = field(default_factory=_local_executor)
    # Items that wait on a service (llm, http) run here, on the driver's event loop, whatever
    # `executor` is: they share the run's rate limits, backoff and budgets, and a Ray worker would
    # only add a hop (20 llm items x 0.4 s at max_concurrent 5: 18.5 s on Ray, 1.6 s here).
    service_executor: ItemExecutor = field(default_factory=_local_executor)
    result: Any = None  # the last RunResult, also after an interrupt
    interrupted_by: str | None = None  # what stopped the run from outside (SIGTERM…), for its message
    # Which URLs http nodes may reach: returns None to allow, or the reason to refuse.
    url_policy: Callable[[str], str | None] | None = None
    # Let paths taken from step outputs resolve outside the working folder (`--allow-outside`).
    allow_outside: bool = False
    # Processes (shell items) alive at once across the whole run, whatever each batch allows.
    max_processes: int = field(default_factory=default_max_processes)
    # The run journal's side of this run: records what finishes, gives back what a resumed run kept.
    recorder: RunRecorder | None = None
    # llm calls' limits, budgets and totals, and the transient-retry policy (pacing.py).
    llm: LLMGate = field(default_factory=LLMGate.from_environment)
    _process_slots: asyncio.Semaphore | None = None
    _http: aiohttp.ClientSession | None = None
    _pools: dict[str, ThreadPoolExecutor] = field(default_factory=dict)

    def path(self, value: str) -> Path:
        return self.cwd / Path(value).expanduser()

    def http_session(self) -> aiohttp.ClientSession:
        """One session per run, created inside the running loop; honours proxy variables."""
        if self._http is None:
            import aiohttp

            # The batch executor bounds concurrency; the connector must not add a lower hidden cap.
            # trust_env looks proxies up on every request (0.90 -> 0.62 efficiency at 100 in
            # flight), so it is on only when a proxy is configured.
            proxied = any(os.environ.get(name) for name in _PROXY_VARIABLES)
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), trust_env=proxied)
        return self._http

    @contextlib.asynccontextmanager
    async def process_slot(self) -> AsyncIterator[None]:
        """Held by a shell item from before its spawn until after its reap."""
        if self._process_slots is None:
            self._process_slots = asyncio.Semaphore(self.max_processes)
        async with self._process_slots:
            yield

    def thread_pool(self, key: str, size: int) -> ThreadPoolExecutor:
        """A pool sized to the node's concurrency, for sync-only libraries (never the default
        executor, which caps at min(32, cores + 4) threads)."""
        if key not in self._pools:
            self._pools[key] = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"planflow-{key}")
        return self._pools[key]

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class NodeContext:
    """What a node implementation sees: the run, its own id, its concurrency, and which of its
    path params must stay inside the allowed folders."""

    run: RunContext
    node_id: str
    concurrency: int = 1
    paths: PathPolicy = field(default_factory=PathPolicy)

    async def in_thread(self, fn: Any, *args: Any) -> Any:
        pool = self.run.thread_pool(self.node_id, max(self.concurrency, 1))
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)


def loopback_only(url: str) -> str | None:
    """A URL policy for tests and evals: only this machine's loopback addresses."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host == "::1" or host.startswith("127."):
        return None
    return f"only loopback addresses may be reached here, not {host or url!r}"
