"""Each kind of file kpiscore reads, one module each, into the grids of `formats.grid`."""
