"""Models of the sharing catalog, one module per concept."""

from .catalog import CatalogItem, FieldType, SchemaField, SchemaVersion
from .obligations import Obligation

__all__ = ["CatalogItem", "FieldType", "Obligation", "SchemaField", "SchemaVersion"]
