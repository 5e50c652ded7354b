"""Models of the sharing catalog, one module per concept."""

from .catalog import CatalogItem, FieldType, SchemaField, SchemaVersion
from .obligations import Obligation
from .submissions import Receipt, Record, Submission, SubmissionError

__all__ = [
    "CatalogItem",
    "FieldType",
    "Obligation",
    "Receipt",
    "Record",
    "SchemaField",
    "SchemaVersion",
    "Submission",
    "SubmissionError",
]
