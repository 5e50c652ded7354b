"""Models of the sharing catalog, one module per concept."""

from .agreements import CoordinationRequest, OffPlatformAgreement
from .bulletin import BulletinPublication
from .catalog import CatalogItem, FieldType, SchemaField, SchemaVersion
from .grants import AccessGrant, FieldDisclosure, PurposeDeclaration
from .objections import Objection
from .obligations import Obligation
from .submissions import Receipt, Record, Submission, SubmissionError

__all__ = [
    "AccessGrant",
    "BulletinPublication",
    "CatalogItem",
    "CoordinationRequest",
    "FieldDisclosure",
    "FieldType",
    "Objection",
    "Obligation",
    "OffPlatformAgreement",
    "PurposeDeclaration",
    "Receipt",
    "Record",
    "SchemaField",
    "SchemaVersion",
    "Submission",
    "SubmissionError",
]
