// `npm run bench`: every benchmark, one after the other (each in its own process, so one's
// garbage never bills another), gathered into one table with the machine noted.
// Writes bench/RESULTS.md too. Figures are measurements, never assertions.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

// Load at the start: on a shared machine it says how far the absolute figures can be trusted
// (the ratios to the same-run baselines carry over; the milliseconds do not).
const loadAtStart = loadavg()[0] ?? NaN;
const rows: string[] = [];
for (const file of benches) {
  process.stderr.write(`bench: ${file}\n`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', `${dir}${file}`], { encoding: 'utf8', timeout: 300_000, env: process.env });
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    rows.push(`| ${file}: FAILED (exit ${result.status ?? result.signal}) | see stderr | |`);
    continue;
  }
  rows.push(...result.stdout.split('\n').filter((line) => line.startsWith('|')));
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // not a git checkout
}
const machine = `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, commit ${commit}, ${new Date().toISOString().slice(0, 16)}Z, load average ${loadAtStart.toFixed(1)} at start and ${(loadavg()[0] ?? NaN).toFixed(1)} at the end`;
const table = ['| what | measured | target |', '| --- | --- | --- |', ...rows].join('\n');
const text = `# Benchmark results\n\nMachine: ${machine}\n\n${table}\n\nReproduce: \`npm run bench\` (or \`npm run bench -- decision\` for one).\n`;
process.stdout.write(`${text}\n`);
if (only.length === 0) writeFileSync(`${dir}RESULTS.md`, text);
