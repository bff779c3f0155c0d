#!/usr/bin/env node
// pretest: makes sure the system tools the tests drive are present. As root on Debian it
// installs what is missing with apt-get; anywhere else it prints exactly what to install
// and fails, so a missing tool never turns into a silently skipped test.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = (binary) => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;

const fromDebian = [
  { binary: 'prometheus', pkg: 'prometheus' },
  { binary: 'promtool', pkg: 'prometheus' },
  { binary: 'prometheus-alertmanager', pkg: 'prometheus-alertmanager' },
  { binary: 'amtool', pkg: 'prometheus-alertmanager' },
  { binary: 'ip', pkg: 'iproute2' },
  // packet loss in the network-namespace topology test (this kernel has no sch_netem for tc netem)
  { binary: 'nft', pkg: 'nftables' },
  { binary: 'chromium', pkg: 'chromium' },
  // the agent's announcements, as in its image
  { binary: 'arping', pkg: 'arping' },
  { binary: 'ndisc6', pkg: 'ndisc6' },
];

// Debian's kubernetes-client (1.20) is too old for these kustomizations, so kubectl >= 1.27
// must come with the machine (it does on ours) or from the Kubernetes project's packages.
if (!onPath('kubectl')) {
  console.error('ipshift tests need kubectl >= 1.27 for `kubectl kustomize deploy/`: https://kubernetes.io/docs/tasks/tools/');
  process.exit(1);
}

const missing = [...new Set(fromDebian.filter((n) => !onPath(n.binary)).map((n) => n.pkg))];
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !existsSync('/etc/debian_version') || !onPath('apt-get')) {
  console.error(`ipshift tests need these Debian packages: ${missing.join(' ')}`);
  console.error(`install them with: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}

console.log(`installing test dependencies: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
