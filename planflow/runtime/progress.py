"""How the runtime tells a watcher what is happening, without printing anything itself."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def node_started(self, node_id: str) -> None: ...
    def node_finished(self, node_id: str, ok: bool) -> None: ...
    def batch_started(self, node_id: str, total: int) -> None: ...
    def item_finished(self, node_id: str, ok: bool) -> None: ...


class NullProgress:
    def node_started(self, node_id: str) -> None:
        pass

    def node_finished(self, node_id: str, ok: bool) -> None:
        pass

    def batch_started(self, node_id: str, total: int) -> None:
        pass

    def item_finished(self, node_id: str, ok: bool) -> None:
        pass
