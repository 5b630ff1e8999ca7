"""Use cases that span the stores, and the one `System` a process opens."""
