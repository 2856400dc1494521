#!/bin/sh
# Gradescope runs this once, as root, when it builds the autograder's image
# (the zip is unpacked in /autograder/source): install Mango's Debian
# packages and build the instructor's tree, so each submission recompiles
# only its room. Made by `make autograder-zip` (labs/autograder/make_zip.py).
set -eu
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends python3 git
kernel/tools/deps.sh
make -s all
