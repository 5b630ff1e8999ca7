"""Read models: tables fed by the event log, each tracking the last event it applied."""
