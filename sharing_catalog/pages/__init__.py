"""Pages for grants, agreements, coordination, the purpose step and unmask permissions."""
