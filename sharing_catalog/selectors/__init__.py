"""Reads that carry a rule (what a user may see), one module per concept."""
