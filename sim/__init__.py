"""SimPy discrete-event model of a province's treasury payment traffic."""
