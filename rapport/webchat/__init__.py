"""The web chat channel (CH1, CH3): an embeddable widget and its WebSocket/HTTP endpoints."""
