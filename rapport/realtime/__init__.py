"""The realtime layer (CH1, CH3): Django Channels groups that push events to browsers."""
