"""Who may see and do what: accounts, tokens and (later) the care-relation policy."""
