"""Who has seen a person's record: an append-only access record of every read of a person's data."""
