"""Storage: the repository interface, its SQLite implementation and the migration runner."""
