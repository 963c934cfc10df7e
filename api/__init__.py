"""The HTTP edge: FastAPI app, routers, request schemas, error mapping."""
