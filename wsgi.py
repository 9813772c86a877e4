"""WSGI entry point for production servers: ``gunicorn wsgi:app``."""

from allin import create_app

app = create_app()
