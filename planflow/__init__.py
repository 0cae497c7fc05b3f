"""planflow: plain-language requests into workflows you can review, save and run."""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """`from planflow import hookimpl` for plugins, without importing pluggy at start-up."""
    if name == "hookimpl":
        from planflow.runtime.plugins import hookimpl

        return hookimpl
    raise AttributeError(f"module 'planflow' has no attribute {name!r}")
