"""The reference electronic voucher library (电子凭证库): realware SOAP interface, storage, lifecycle."""
