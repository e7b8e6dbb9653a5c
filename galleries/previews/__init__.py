"""Seeing what readers cannot see yet: staff previews of any gallery, preview links for people without a login,
and the permission-checked file views their images come through.

A preview link is a random 256-bit token shown once to the editor who makes it; only its SHA-256 is stored, so
a database leak reveals no working link. It expires (at most LINK_MAX_AGE), can be revoked one by one, and
grants exactly one gallery and the renditions of that gallery's photos, nothing else.
"""
