// A memory cgroup with a hard limit for the memory bench's controller process (cgroup v1 or v2,
// as root). Returns null where none can be made (not root, no memory controller): the bench then
// reports RSS only.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

export interface MemoryCgroup {
  /** The file a process writes its pid to, to join. */
  readonly procs: string;
  /** Peak memory the cgroup was charged (bytes). */
  peak(): number;
  /** How often an allocation hit the limit. */
  failures(): number;
  oomKills(): number;
  remove(): void;
}

const V1 = '/sys/fs/cgroup/memory';
const V2 = '/sys/fs/cgroup';

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function field(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

export function createMemoryCgroup(limitBytes: number): MemoryCgroup | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const name = `ipshift-bench-${process.pid}`;
  try {
    if (read(`${V2}/cgroup.controllers`).split(/\s+/).includes('memory')) {
      const dir = `${V2}/${name}`;
      mkdirSync(dir);
      writeFileSync(`${dir}/memory.max`, String(limitBytes));
      writeFileSync(`${dir}/memory.swap.max`, '0');
      return {
        procs: `${dir}/cgroup.procs`,
        peak: () => Number(read(`${dir}/memory.peak`) || 0),
        failures: () => field(read(`${dir}/memory.events`), 'max'),
        oomKills: () => field(read(`${dir}/memory.events`), 'oom_kill'),
        remove: () => rmdirSync(dir),
      };
    }
    const dir = `${V1}/${name}`;
    mkdirSync(dir);
    writeFileSync(`${dir}/memory.limit_in_bytes`, String(limitBytes));
    // No swap to escape to, as in a pod.
    try {
      writeFileSync(`${dir}/memory.memsw.limit_in_bytes`, String(limitBytes));
    } catch {
      // swap accounting off: nothing to limit
    }
    return {
      procs: `${dir}/cgroup.procs`,
      peak: () => Number(read(`${dir}/memory.max_usage_in_bytes`) || 0),
      failures: () => Number(read(`${dir}/memory.failcnt`) || 0),
      oomKills: () => field(read(`${dir}/memory.oom_control`), 'oom_kill'),
      remove: () => rmdirSync(dir),
    };
  } catch {
    return null;
  }
}
