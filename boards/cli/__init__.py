"""The command line: `pasientflyt serve | demo | users | simulate | rebuild | ...`."""
