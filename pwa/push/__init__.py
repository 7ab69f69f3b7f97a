"""Web push alerts: devices subscribe (settings screen or API); `flask sweep` queues and sends."""
