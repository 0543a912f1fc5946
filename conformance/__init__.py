"""Certification suite for voucher-library implementations."""
