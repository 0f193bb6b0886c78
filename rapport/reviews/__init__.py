"""Public reviews as a channel (CH7, FB5). See docs/reviews.md."""
