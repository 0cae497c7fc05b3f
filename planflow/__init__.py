"""planflow: plain-language requests into workflows you can review, save and run."""

__version__ = "0.1.0"
