"""What the tests share: the clock helpers, the HTTP assertions, and the W1–W3 worlds."""
