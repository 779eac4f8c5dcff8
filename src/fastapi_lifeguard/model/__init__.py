"""The analysis model: one walk per module (builder), resolution (project), FastAPI facts."""
