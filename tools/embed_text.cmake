# Turns a text file into a C++ raw string literal include (used for the Lua prelude).
file(READ ${IN} content)
file(WRITE ${OUT} "R\"AGENTRY_EMBED(${content})AGENTRY_EMBED\"")
