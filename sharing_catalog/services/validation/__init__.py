"""Validating uploaded rows against an item's field schema (Art. 22 校核), by concept:
`cells` (converters, GB 32100 / GB 11643 check characters), `headers` (matching the first row),
`rows` (rows and unique keys), `plausibility` (warnings against the previous version)."""
