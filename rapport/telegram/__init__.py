"""The Telegram channel (CH1): a bot per team, inbound by webhook, outbound via the Bot API."""
