#!/bin/sh
# make demo: dependencies, build, a sync of the demo spreadsheets into
# build/demo.db, then status and the first rows of an export.
set -e
cd "$(dirname "$0")/.."
sh tools/deps.sh
make -s all
echo "== salesync -c config/demo.ini sync"
build/salesync -c config/demo.ini sync
echo
echo "== salesync -c config/demo.ini status"
build/salesync -c config/demo.ini status
echo
echo "== salesync -c config/demo.ini export leads | head -n 6"
build/salesync -c config/demo.ini export leads | head -n 6
echo
echo "The store is build/demo.db (SQLite). Try: build/salesync -c config/demo.ini export deals --format jsonl"
