"""Planner evals: cases, scoring, a runner, and cassettes replayed in CI (`pytest evals`)."""
