"""The wire dialects a Daly unit may speak, one module each."""
