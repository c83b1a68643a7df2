"""sohoa: scans in, PDF/A and a searchable archive out."""

__version__ = "0.1.0"
