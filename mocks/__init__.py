"""The parties' systems (finance, PBoC, agent bank, budget unit, payee bank) and the library client."""
