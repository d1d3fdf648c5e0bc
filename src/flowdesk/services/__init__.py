"""Use cases: each one function, one transaction, state and events together."""
