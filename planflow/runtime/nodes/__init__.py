"""Built-in node implementations: each module's `run(params, ctx)` handles one item."""
