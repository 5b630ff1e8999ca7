"""The HTML pages (Jinja2 + htmx): boards, admin, leaders, emergency access, wall display."""
