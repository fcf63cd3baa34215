"""Storage: the only package that touches the ORM."""
