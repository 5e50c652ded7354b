"""Pages of the sharing catalog, one module per concept."""
