"""Errors the core raises; only the dashboard turns them into calm sentences."""


class InsufficientData(Exception):
    """Nothing to compute: no courses match the scope and filters."""
