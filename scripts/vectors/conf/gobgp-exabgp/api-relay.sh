#!/bin/sh
# ExaBGP API process: relays command lines written to the FIFO "$1" to ExaBGP.
# Opening the FIFO read-write means it never sees EOF between writers.
# With a second argument, what ExaBGP writes to the process (JSON events such as
# neighbor state changes, with `encoder json`) is appended to the file "$2"
# (Tests/InteropTests uses this to see sessions come up), and the relay ends
# when ExaBGP closes that pipe, so no `cat` outlives ExaBGP.
if [ -n "${2:-}" ]; then
    cat 0<>"$1" &
    relay=$!
    cat >>"$2"
    kill "$relay" 2>/dev/null
    exit 0
fi
exec cat 0<>"$1"
