"""The web application (FastAPI): pages for officials and staff, and a JSON API."""
