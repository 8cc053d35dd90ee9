"""Home Assistant configuration and glue that run the integration against simulated units."""
