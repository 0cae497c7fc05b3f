"""The planner: a plain-language request in, a validated workflow out."""

from planflow.planner.planner import CannotPlan, PlanFailed, Planner, PlanReport, PlanResult, planner_schema

__all__ = ["CannotPlan", "PlanFailed", "PlanReport", "PlanResult", "Planner", "planner_schema"]
