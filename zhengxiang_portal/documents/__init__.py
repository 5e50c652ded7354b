"""Numbered official documents (公文, 文号) and the .docx/print rendering every app shares.

An app builds an `OfficialDocument` from its own facts (an order, a request) and issues it through
`services.document_issue`; this package owns the per-year number sequence, the ledger entry and the
Word/print layout, so the three documents of issue 18 cannot drift apart.
"""
