"""Runs validated workflows: node types, the registry, batch wrappers and PocketFlow wiring.

Import submodules directly; this package imports nothing heavy so that `planflow validate`
stays fast.
"""
