"""Settings, scope and filters, errors, the registry of factors."""
