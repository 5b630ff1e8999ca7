"""Hospital logistics messages in: the two formats, the log of messages received, the ingest."""
