"""The generator behind scripts/generate: every wire artefact, from schema/openapi.yaml."""
