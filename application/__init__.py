"""The application layer: the only door into the domain."""
