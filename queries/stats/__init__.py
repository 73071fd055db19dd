"""One module per statistical method: pure functions, no SQL."""
