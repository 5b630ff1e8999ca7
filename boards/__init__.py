"""The web app: app factory, settings, routes, templates and the command line."""
