"""bugs/ and correct/ hold learners' files for zerodl check to load, not tests."""

collect_ignore_glob = ["bugs/*", "correct/*"]
