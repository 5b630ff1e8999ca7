"""Boards and figures as tables, spreadsheets and charts."""
