"""The content bank: models, loader and lookups."""
