"""programs/ and zerodl_api/ hold programs, not tests (batch_norm_test.py is the book's name)."""

collect_ignore_glob = ["programs/*", "zerodl_api/*"]
