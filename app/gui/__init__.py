"""The signer's desktop app (PySide6). The only package that imports Qt.

It renders the states of `app.session.ReviewSession` and calls its transitions; every rule that
protects the signer (block cannot continue, warnings need ticks, the log) lives in the session.
"""
