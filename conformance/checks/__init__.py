"""The checks, one module per area; each declares its checks with `conformance.catalogue.requirement`."""
