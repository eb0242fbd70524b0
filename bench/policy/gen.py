#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write a large jaula policy: PROFILES profiles and RULES match rules.

The rules are written so that the benchmark user (root, through its
primary group) matches only the last one, the worst case for matching:
every earlier rule names users, groups and uid ranges that do not fit.
"""
import sys

profiles = int(sys.argv[1]) if len(sys.argv) > 1 else 200
rules = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
nets = 20
groups = 50

out = []
w = out.append
w('global = { state_dir = "/run/jaula"; };')
w('rootfs = {')
for i in range(4):
    w(f'  r{i} = {{ path = "/var/lib/jaula/rootfs/r{i}"; type = "directory"; arch = "amd64"; }};')
w('};')
w('networks = {')
for i in range(nets):
    w(f'  n{i} = {{ bridges = ["jb-n{i}a", "jb-n{i}b"]; subnet = "10.{i + 1}.0.0/16"; '
      f'dns = ["10.{i + 1}.0.1"]; search = ["n{i}.example.org"]; isolate = true; }};')
w('};')
w('profiles = {')
for i in range(profiles):
    w(f'  p{i} = {{')
    w(f'    rootfs = "r{i % 4}"; scope = "user"; lifetime = "session"; hostname = "p{i}-%u";')
    w('    namespaces = ["mount", "uts", "ipc", "pid", "net", "cgroup"];')
    w('    writable = "tmpfs"; tmp_size = "64M";')
    w('    mounts = ( { source = "/srv/shared"; target = "/shared"; mode = "ro"; optional = true; },')
    w('               { source = "/srv/users/%u"; target = "/data"; mode = "rw"; optional = true; } );')
    w(f'    network = "n{i % nets}";')
    w('    limits = { memory = "512M"; swap = "0"; cpu = "50%"; cpu_weight = 100; pids = 256; io_weight = 100; };')
    w('    seccomp = { profile = "default"; allow = ["ptrace"]; deny = ["personality"]; };')
    w('    capabilities = ["CAP_NET_BIND_SERVICE"];')
    w('    environment = { EDITOR = "vi"; LANG = "C.UTF-8"; };')
    w('    shell = "/bin/bash";')
    w('  };')
w('};')
w('groups = {')
for i in range(groups):
    w(f'  g{i} = {{ limits = {{ memory = "8G"; pids = 4096; }}; }};')
w('};')
w('match = (')
for i in range(rules - 1):
    w(f'  {{ name = "rule{i}"; users = ["u{i}a", "u{i}b"]; groups = ["grp{i}", "team{i}"]; '
      f'uids = ["{100000 + i * 10}-{100000 + i * 10 + 9}"]; profile = "p{i % profiles}"; group = "g{i % groups}"; }},')
w(f'  {{ name = "last"; groups = ["root"]; profile = "p{(rules - 1) % profiles}"; }}')
w(');')
print('\n'.join(out))
