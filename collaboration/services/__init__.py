"""Every write to collaboration requests: lifecycle.py (steps), transfer.py (case transfers both
ways, Art. 6(三)) and scan.py (deadlines)."""

from .letters import request_letter_issue
from .lifecycle import (
    allocate_number,
    extension_decide,
    request_accept,
    request_add_attachments,
    request_answer,
    request_answer_clarification,
    request_ask_clarification,
    request_ask_extension,
    request_assign,
    request_close,
    request_contest,
    request_create,
    request_refuse,
    request_reopen,
    request_reply_contest,
    request_rule,
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
