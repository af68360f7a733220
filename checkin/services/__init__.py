"""Use cases: load rows, call the domain, add and flush. They take the session; never commit."""
