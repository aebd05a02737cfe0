"""Blob stores: local disk (embedded) and S3 (distributed)."""
