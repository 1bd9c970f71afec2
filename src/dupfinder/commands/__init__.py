"""Commands of the command line, one module each (loaded lazily by dupfinder.cli)."""
