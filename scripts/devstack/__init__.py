"""The local stack as code: plan the processes, start them, wait for health, stop them in order."""

from scripts.devstack.plan import Endpoints, OneShot, PlanError, ProcessSpec, StackPlan, plan_stack
from scripts.devstack.ports import PortError, free_port
from scripts.devstack.stack import Stack, StackError

__all__ = [
    "Endpoints",
    "OneShot",
    "PlanError",
    "PortError",
    "ProcessSpec",
    "Stack",
    "StackError",
    "StackPlan",
    "free_port",
    "plan_stack",
]
