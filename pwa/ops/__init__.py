"""Running Continuity for real: the sweeper's heartbeat, health, backups and the operators' commands."""
