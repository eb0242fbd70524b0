#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark of what each login pays for the policy (not a test).
# Generates a policy with 200 profiles and 1000 match rules in which the
# user matches only the last rule, then times load + NSS lookup + resolve,
# first parsing the policy each time, then with the validated cache (what
# logins get once the policy files are a few seconds old).
# Usage: bench/policy/run.sh [PROFILES] [RULES] [ITERATIONS]   (as root:
# the policy must be root-owned to load)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
profiles=${1:-200} rules=${2:-1000} n=${3:-1000}
make -C "$top" -s common/libjaula.a
dir=$(mktemp -d /tmp/jaula-bench.XXXXXX)
trap 'rm -rf -- "$dir"' EXIT INT TERM
chmod 0755 "$dir"
python3 "$top/bench/policy/gen.py" "$profiles" "$rules" > "$dir/jaula.conf"
chmod 0644 "$dir/jaula.conf"
mkdir -m 0700 "$dir/cache"
# shellcheck disable=SC2046
cc -std=gnu11 -O2 -I"$top/include" -o "$dir/bench" "$top/bench/policy/bench.c" \
	"$top/common/libjaula.a" $(pkg-config --libs pam libcap libseccomp libconfig libnl-3.0 \
	libnl-route-3.0 libmnl libnftables)
echo "policy file: $(wc -c < "$dir/jaula.conf") bytes, $(wc -l < "$dir/jaula.conf") lines"
# The cache is never written for files younger than a few seconds.
sleep 4
"$dir/bench" "$dir/jaula.conf" root "$n" "$dir/cache"
