"""Settings and persistence wiring: turns configuration into a running application."""
