#!/bin/sh
# Gradescope runs this once, as root, when it builds the autograder's image
# (the zip is unpacked in /autograder/source): install Mango's Debian
# packages (bubblewrap for the grading sandbox among them) and build base/,
# branch labN's tree each submission is graded in, so that each recompiles
# only its room. Made by `make autograder-zip` (labs/autograder/make_zip.py).
set -eu
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends python3 git
kernel/tools/deps.sh
make -s -C base all
