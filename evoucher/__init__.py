"""The treasury e-voucher standard as code.

`evoucher` is the bottom layer of guoku and imports nothing else of ours: voucher types
(the registry), the MOF/XML codec, field rules, status and fault codes, SM2/SM3, the
electronic seal structures (GB/T 38540 v4, GM/T 0031 v1) and the test PKI.
"""
