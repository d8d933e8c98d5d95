"""Re-running the classifier over stored events (``orbitwatch reclassify``).

``diff`` is pure: what changed between a stored event and its new classification, and which
per-event alert rules match before and after. ``store`` pages through the events index and
writes the updates; ``job`` joins the two.
"""
