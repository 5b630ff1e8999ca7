"""Live boards: the follower of the log, what each stream sends, and Server-Sent Events."""
