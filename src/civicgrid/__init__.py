"""civicgrid: grassroots social governance."""
