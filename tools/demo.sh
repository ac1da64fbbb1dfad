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
echo "== salesync -c config/demo.ini report --since 2026-01-01 | head -n 12"
build/salesync -c config/demo.ini report --since 2026-01-01 | head -n 12
echo
echo "The store is build/demo.db (SQLite). The whole report: build/salesync -c config/demo.ini report --format html -o report.html"
