import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: every generated file is named relative to it. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

type Rendered = Iterable<readonly [path: string, content: string]>;

/**
 * The command-line side of a generator script: when `moduleUrl` is the script node was started
 * with (not a test importing it to compare), renders the files, writes each below the
 * repository root and names it.
 */
export async function writeWhenRun(moduleUrl: string, render: () => Rendered | Promise<Rendered>): Promise<void> {
  if (process.argv[1] === undefined || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  for (const [path, content] of await render()) {
    writeFileSync(join(REPO_ROOT, path), content);
    console.log(`wrote ${path}`);
  }
}
