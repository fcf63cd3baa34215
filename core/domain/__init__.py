"""Pure domain: structs, enums, errors and time arithmetic. No I/O, no ORM, no HTTP."""
