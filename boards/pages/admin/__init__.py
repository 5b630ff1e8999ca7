"""The admin pages under /admin, a router per concept."""
