"""Decision support for planning (issue 29): the next 14 days of beds and need per unit kind
and unit (`model`), of homecomings and first home visits per home-care zone (`zones`), from
the situation the read models hold now and the municipality's own history (`inputs`), and
who fits the beds that free next (`suggestion`). Counts only: no forecast holds a patient."""
