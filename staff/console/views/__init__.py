"""One module per kind of page; ``base`` holds the shared request handling."""
