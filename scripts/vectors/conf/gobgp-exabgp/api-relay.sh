#!/bin/sh
# ExaBGP API process: relays command lines written to the FIFO "$1" to ExaBGP.
# Opening the FIFO read-write means it never sees EOF between writers.
exec cat 0<>"$1"
