"""Seeing what readers cannot see yet: preview links (links.py, the domain), the preview pages (views.py) and
the permission-checked file views their images come through (files.py)."""
