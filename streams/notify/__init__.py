"""The webhook notifier (``orbitwatch notify``): alerts topic -> signed HTTP POSTs.

``signing`` (signature and its verification), ``endpoints`` (configuration and address
rules), ``delivery`` (one POST with retries), ``notifier`` (the consumer loop, commits and
dead letters).
"""
