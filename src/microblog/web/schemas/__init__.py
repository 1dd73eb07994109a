"""Pydantic v2 schemas: strict input models and output models.

One schema validates, serialises and documents (flask-openapi3 reads the same classes
to generate the OpenAPI document)."""
