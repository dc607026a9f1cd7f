"""The command line: thin commands (parse, call, render). Nothing imports this package."""
