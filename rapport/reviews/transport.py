"""The review channel's transport (filled in below)."""
