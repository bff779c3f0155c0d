import { existsSync, readFileSync } from 'node:fs';
import { withConfigTable } from '../../scripts/readme-config.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

describe('README tells the truth', () => {
  it('carries the configuration table generated from the settings', () => {
    expect(readme).toBe(withConfigTable(readme));
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(((?:docs|deploy|src|rules|dashboards|bench)\/[^)#\s]+)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect([link, existsSync(new URL(link, root))]).toEqual([link, true]);
  });

  it('names the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
