"""Uploads by concept: `upload` (request time: store the file, create the version, enqueue) and
`pipeline` (background: claim, validate, store all or nothing, sweep)."""
