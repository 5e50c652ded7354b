"""The machine-readable codes this domain's ApplicationErrors carry (see core.errors)."""

from zhengxiang_portal.core.errors import ErrorCode


class AssessmentErrorCode(ErrorCode):
    """Assessment (Art. 25, 28): periods, schemes, scores, breaches and rectification orders:
    why an action is refused."""

    CORRECTION_REQUIRED = "correction_required"
    DECISION_REQUIRED = "decision_required"
    DESCRIPTION_REQUIRED = "description_required"
    FACTS_REQUIRED = "facts_required"
    INVALID_DATE = "invalid_date"
    INVALID_DEADLINE = "invalid_deadline"
    INVALID_DECISION = "invalid_decision"
    INVALID_EVIDENCE = "invalid_evidence"
    INVALID_FAILURE = "invalid_failure"
    INVALID_QUARTER = "invalid_quarter"
    INVALID_SCHEME = "invalid_scheme"
    INVALID_VALUE = "invalid_value"
    INVALID_YEAR = "invalid_year"
    NOT_ANSWERED = "not_answered"
    NOT_ESCALATED = "not_escalated"
    NOTE_REQUIRED = "note_required"
    NOTE_TOO_LONG = "note_too_long"
    ORDER_ANSWERED = "order_answered"
    ORDER_CLOSED = "order_closed"
    PERIOD_EXISTS = "period_exists"
    PERIOD_FROZEN = "period_frozen"
    PERSONS_REQUIRED = "persons_required"
    REASON_REQUIRED = "reason_required"
    REFERRED_TO_REQUIRED = "referred_to_required"
    WEIGHTS_NOT_100 = "weights_not_100"
