"""Model pull tests: a real HTTP server on 127.0.0.1 serving real model files."""
