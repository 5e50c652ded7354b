"""Every write of the assessment app (Art. 25, 28)."""

from .rectification import (
    order_accountability_record,
    order_answer,
    order_decide,
    order_document_issue,
    order_issue,
    orders_scan,
)
from .scoring import (
    DEFAULT_SCHEME,
    assessment_facts_changed,
    assessment_recompute_async,
    breach_record,
    open_period_ids_covering,
    period_create,
    period_freeze,
    period_recompute,
    recompute_open_periods,
    recompute_pending,
    scheme_save,
    scheme_validate_rows,
    score_adjust,
)

__all__ = [
    "DEFAULT_SCHEME",
    "assessment_facts_changed",
    "assessment_recompute_async",
    "breach_record",
    "open_period_ids_covering",
    "order_accountability_record",
    "order_answer",
    "order_decide",
    "order_document_issue",
    "order_issue",
    "orders_scan",
    "period_create",
    "period_freeze",
    "period_recompute",
    "recompute_open_periods",
    "recompute_pending",
    "scheme_save",
    "scheme_validate_rows",
    "score_adjust",
]
