"""Pure domain: the programme's data and rules. No I/O, no clock, no framework imports."""
