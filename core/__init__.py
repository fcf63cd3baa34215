"""redbutler core: domain, plugin contract, matching, storage and services. No HTTP here."""
