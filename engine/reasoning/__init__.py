"""The engine: compile rules to experta, run them, combine confidences, rank and explain."""
