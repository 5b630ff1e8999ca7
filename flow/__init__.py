"""The domain: patient flows, care units and the municipality they belong to."""
