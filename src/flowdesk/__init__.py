"""Flowdesk: an open-source Kanban service-delivery system."""

__version__ = "0.1.0"
