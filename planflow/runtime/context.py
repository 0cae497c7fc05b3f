"""What one run shares across nodes: model lookup, an HTTP client, thread pools, progress."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planflow.runtime.executor import ItemExecutor, LocalExecutor
from planflow.runtime.models import ModelCache
from planflow.runtime.progress import NullProgress, Progress

if TYPE_CHECKING:
    import httpx


@dataclass
class RunContext:
    cwd: Path = field(default_factory=Path.cwd)
    models: ModelCache = field(default_factory=ModelCache)
    progress: Progress = field(default_factory=NullProgress)
    executor: ItemExecutor = field(default_factory=LocalExecutor)
    result: Any = None  # the last RunResult, also after an interrupt
    _http: httpx.AsyncClient | None = None
    _pools: dict[str, ThreadPoolExecutor] = field(default_factory=dict)

    def path(self, value: str) -> Path:
        return self.cwd / Path(value).expanduser()

    def http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            import httpx

            # The batch executor bounds concurrency; the pool must not add a lower hidden cap.
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
            self._http = httpx.AsyncClient(limits=limits, follow_redirects=True)
        return self._http

    def thread_pool(self, key: str, size: int) -> ThreadPoolExecutor:
        """A pool sized to the node's concurrency, for sync-only libraries (never the default
        executor, which caps at min(32, cores + 4) threads)."""
        if key not in self._pools:
            self._pools[key] = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"planflow-{key}")
        return self._pools[key]

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class NodeContext:
    """What a node implementation sees: the run, its own id and its concurrency."""

    run: RunContext
    node_id: str
    concurrency: int = 1

    async def in_thread(self, fn: Any, *args: Any) -> Any:
        pool = self.run.thread_pool(self.node_id, max(self.concurrency, 1))
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
