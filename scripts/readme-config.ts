// Writes the configuration table into README.md from src/config/settings.ts.
// Run: npx tsx scripts/readme-config.ts   (test/docs/readme.test.ts fails while it is stale)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsTable } from '../src/config/load-config.js';
import { REPO_ROOT, writeWhenRun } from './generated-files.js';

export const START = '<!-- config-table:start -->';
export const END = '<!-- config-table:end -->';

export function withConfigTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${settingsTable()}\n${readme.slice(end)}`;
}

await writeWhenRun(import.meta.url, () => [['README.md', withConfigTable(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))]]);
