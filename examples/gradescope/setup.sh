#!/usr/bin/env bash
# Gradescope builds the autograder image with this script (Ubuntu, as root).
# Put a dlconform wheel next to it in the autograder zip (see README.md).
set -eu
apt-get update
# bubblewrap: each submission in namespaces of its own (`--sandbox auto` falls back to a uid sandbox where the
# container forbids namespaces; `dlconform grade` says which one it used).
apt-get install -y --no-install-recommends python3 python3-pip python3-venv bubblewrap
python3 -m venv /opt/dlconform
/opt/dlconform/bin/pip install --no-cache-dir /autograder/source/dlconform-*.whl
ln -sf /opt/dlconform/bin/dlconform /usr/local/bin/dlconform
# The grader's files are root's alone; the interpreter stays readable, as student code needs it.
chmod -R go-rwx /autograder/source
