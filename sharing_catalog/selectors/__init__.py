"""Selectors of the sharing catalog: reads that carry a rule, one module per concept."""
