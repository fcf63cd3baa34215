"""Built-in service lines, each an ordinary plugin of the contract in ``core.plugins``."""
