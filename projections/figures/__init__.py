"""The leaders' figures: counted from the log without identities, read per period."""
