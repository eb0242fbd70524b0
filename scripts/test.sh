#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The test command of README.md: installs the dependencies, builds, and
# runs every test this machine can run (`make check`).  Run as root for
# the integration tests.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then
	./scripts/install-deps.sh
else
	echo "test: not root: skipping the package install and the integration tests"
fi
make -j"$(nproc)" all
make check
