"""The data contract, its validation, loading, the database."""
