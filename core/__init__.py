"""The lowest room: the error vocabulary, file helpers and SQLite helpers every other room uses."""
