"""HTTP in, HTTP out: a Litestar app over ``core.services``. No business rules here."""
