"""Tables, the engine, repositories and migrations."""
