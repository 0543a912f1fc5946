"""SM2/SM3 and the OIDs of the Chinese commercial cryptography suite."""

from evoucher.crypto.sm2 import DEFAULT_ID, PrivateKey, PublicKey, sign, verify
from evoucher.crypto.sm3 import sm3

__all__ = ["DEFAULT_ID", "PrivateKey", "PublicKey", "sign", "sm3", "verify"]
