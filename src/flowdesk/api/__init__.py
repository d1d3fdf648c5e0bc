"""The JSON API: a FastAPI app factory, routers by resource, one error mapping."""
