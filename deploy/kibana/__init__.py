"""Kibana saved objects (data views, saved searches, dashboard) for ``orbitwatch kibana import``."""
