#!/usr/bin/env node
// pretest: makes sure the system tools the tests drive are present. As root on Debian it
// installs what is missing with apt-get; anywhere else it prints exactly what to install
// and fails, so a missing tool never turns into a silently skipped test.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { binary: 'prometheus', pkg: 'prometheus' },
  { binary: 'promtool', pkg: 'prometheus' },
  { binary: 'prometheus-alertmanager', pkg: 'prometheus-alertmanager' },
  { binary: 'ip', pkg: 'iproute2' },
  // the node agent's announcement tools, as in the Dockerfile's agent target (agent/netns.test.ts)
  { binary: 'arping', pkg: 'arping' },
  { binary: 'ndisc6', pkg: 'ndisc6' },
  { binary: 'chromium', pkg: 'chromium' },
  // The image ships a current kubectl; Debian's kubernetes-client is the fallback for `kubectl kustomize`.
  { binary: 'kubectl', pkg: 'kubernetes-client' },
];

const onPath = (binary) => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
const missing = [...new Set(needs.filter((n) => !onPath(n.binary)).map((n) => n.pkg))];

if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const isDebian = existsSync('/etc/debian_version') && onPath('apt-get');
if (!isRoot || !isDebian) {
  console.error(`ipshift tests need these Debian packages: ${missing.join(' ')}`);
  console.error(`install them with: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}

console.log(`installing test dependencies: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
