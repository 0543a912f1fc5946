"""Object identifiers of SM2/SM3 (GM/T 0006) used in certificates and seals."""

SM2_CURVE = "1.2.156.10197.1.301"
SM3 = "1.2.156.10197.1.401"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
