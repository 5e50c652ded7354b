"""The dependency direction between the apps is a rule the suite checks (README, Architecture).

The contracts live in pyproject.toml ([tool.importlinter]); `make lint` runs the same ones with
`lint-imports`. Imports inside functions count: a cycle hidden in a function body still fails.
"""

from pathlib import Path

import importlinter.api  # noqa: F401  (configures import-linter's adapters, as lint-imports does)
from importlinter.application.use_cases import lint_imports, read_user_options

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_dependencies_point_one_way_and_no_cycle_between_apps():
    """Prints import-linter's report (the offending import chains) when a contract breaks."""
    assert lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)


def test_every_app_is_placed_in_the_layers():
    """A new app outside the layering would escape the rule: each top-level package is named."""
    options = read_user_options(str(PYPROJECT))
    roots = set(options.session_options["root_packages"])
    layers = next(c for c in options.contracts_options if c["id"] == "one-way")["layers"]
    named = {
        name.strip().split(".")[0]
        for layer in layers
        for name in layer.replace("|", ":").split(":")
        if name.strip()
    }
    assert named == roots
