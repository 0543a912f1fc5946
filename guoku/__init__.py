"""guoku: a testbed for China's treasury electronic payment vouchers (国库集中支付电子化)."""

__version__ = "0.1.0"
