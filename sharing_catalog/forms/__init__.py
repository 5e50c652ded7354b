"""Forms of the sharing catalog pages, one module per concept."""
