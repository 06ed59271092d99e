"""The sync: pure planning (snapshot → actions) and the engine that applies the plan."""
