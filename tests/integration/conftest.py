"""Cassettes of a real model server (../shared/local-model.md), replayed with no network.

Replay is the default (pytest-recording's record mode "none"): a request that is not in the
cassette fails loudly, and requests match on their body, so a changed prompt cannot replay a
stale answer. To re-record against the local server:

    ../shared/local-model/start-server.sh
    python -m pytest tests/integration --record-mode=rewrite
"""

from __future__ import annotations

import pytest

from evals.local_model import local_model


@pytest.fixture(scope="module")
def vcr_config():
    return {
        "filter_headers": ["authorization", "x-api-key", "x-goog-api-key", "openai-organization"],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "decode_compressed_response": True,
    }


@pytest.fixture
def local_qwen():
    with local_model() as model_id:
        yield model_id
