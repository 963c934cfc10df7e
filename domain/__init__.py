"""The youth care domain: records, their events and their rules. Pure Python."""
