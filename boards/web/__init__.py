"""What every web edge shares: dependencies, problem details, security, schemas, rendering."""
