"""The sales team's web desk: FastAPI + Jinja2 templates + htmx over the core's store and operations."""
