// Writes the configuration table into README.md from src/config/settings.ts.
// Run: npx tsx scripts/readme-config.ts   (test/docs/readme.test.ts fails while it is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsTable } from '../src/config/load-config.js';

export const START = '<!-- config-table:start -->';
export const END = '<!-- config-table:end -->';

export function withConfigTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${settingsTable()}\n${readme.slice(end)}`;
}

if (process.argv[1]?.endsWith('readme-config.ts') === true) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, withConfigTable(readFileSync(path, 'utf8')));
}
