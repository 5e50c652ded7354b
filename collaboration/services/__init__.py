"""Every write to collaboration requests, by concept: requests.py (a request's own steps),
extensions.py, refusals.py (refusal, contest, ruling), transfer.py (case transfers both ways,
Art. 6(三)), scan.py (deadlines); common.py holds what they share. Each step is a row of
`collaboration.transitions.TRANSITIONS`."""

from .common import allocate_number
from .extensions import extension_decide, request_ask_extension
from .letters import request_letter_issue
from .refusals import request_contest, request_refuse, request_reply_contest, request_rule
from .requests import (
    request_accept,
    request_add_attachments,
    request_answer,
    request_answer_clarification,
    request_ask_clarification,
    request_assign,
    request_close,
    request_create,
    request_reopen,
    request_start,
    request_withdraw,
)
from .scan import ScanResult, request_deadline_scan
from .transfer import (
    case_return_scan,
    transfer_acknowledge,
    transfer_record_handling,
    transfer_report_outcome,
    transfer_return,
)

__all__ = [
    "ScanResult",
    "allocate_number",
    "case_return_scan",
    "extension_decide",
    "request_accept",
    "request_add_attachments",
    "request_answer",
    "request_answer_clarification",
    "request_ask_clarification",
    "request_ask_extension",
    "request_assign",
    "request_close",
    "request_contest",
    "request_create",
    "request_deadline_scan",
    "request_letter_issue",
    "request_refuse",
    "request_reopen",
    "request_reply_contest",
    "request_rule",
    "request_start",
    "request_withdraw",
    "transfer_acknowledge",
    "transfer_record_handling",
    "transfer_report_outcome",
    "transfer_return",
]
