"""Every write and every rule of the sharing catalog, one module per concept."""
