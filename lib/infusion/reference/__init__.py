"""Reference data: the tables in ``data/``, their schemas and validation, and the light row readers."""
