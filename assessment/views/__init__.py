"""Pages of the assessment app (Art. 25, 28), by concept.

`dashboard`: the leaders' dashboard, a unit's and an indicator's drill-down, scores and their
evidence. `periods`: periods, indicator schemes, recomputation, the Excel report, confidentiality
breaches. `orders`: rectification orders (责令改正) and their notices, and the home panel.
Views parse, call one selector or service and render; the rules are in services, selectors and
permissions.
"""

from .orders import home_panel_context

__all__ = ["home_panel_context"]
