"""The web pages, grouped by resource: services and boards, items, moves, the live stream."""
