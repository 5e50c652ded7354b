"""Services of the sharing catalog: every write and every rule, one module per concept."""
