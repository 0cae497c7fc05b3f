"""Prompt templates for the planner, as package data. Placeholders are {{name}}."""
