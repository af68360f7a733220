"""Pure rules of the domain: no Flask, no SQLAlchemy, no I/O."""
