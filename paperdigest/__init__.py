"""paperdigest: each day's Hugging Face daily papers as a Korean research digest."""

__version__ = "0.1.0"
