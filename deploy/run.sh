#!/usr/bin/env bash
# N Streamlit replicas behind nginx with sticky sessions, in the foreground; Ctrl-C stops everything.
#   deploy/run.sh [N=3] [BASEPORT=8500] [--address 0.0.0.0] [-- extra streamlit options]
# nginx listens on BASEPORT, replicas on BASEPORT+1..BASEPORT+N (see deploy/cluster.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" deploy/cluster.py "$@"
