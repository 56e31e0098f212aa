"""The commands behind `privsynth scan | release | audit`: read the options' files, call the
library, print for people (rich tables, summaries) or machines (JSON). `privsynth.cli` only
declares the options; nothing below this package prints or knows about typer."""
