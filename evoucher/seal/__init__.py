"""Electronic seals and stamps: GB/T 38540-2020 (v4) and GM/T 0031-2014 (v1).

Layers, bottom up: `asn1_v4`/`asn1_v1` (the structures), `model` (decoded seals that keep
their original bytes), `certs` (X.509 with SM2), `integrity` (SM3 dataHash, SM2 signatures),
`binding` (propertyInfo names the voucher and position), `policy` and `verify` (the verdict).
"""
