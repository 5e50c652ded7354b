"""Demo data of the sharing catalog (run by `manage.py seed_demo`)."""

from . import demo_governance


def seed() -> str:
    return "governance: " + demo_governance.seed()
