import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// The lint rule (eslint.config.js) says the same; this test keeps it true even without lint.
const coreDir = fileURLToPath(new URL('.', import.meta.url));
const sources = readdirSync(coreDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
const forbiddenImport =
  /from\s+'(node:[^']+|fs|http|https|net|os|child_process|express|prom-client|@kubernetes\/client-node|openid-client|node-cron|winston|\.\.\/[^']+)'/;
const forbiddenCall = /\bDate\.now\(|\bMath\.random\(|\bnew Date\(\)|\bprocess\.|\bfetch\(|\bsetTimeout\(|\bsetInterval\(/;

describe('src/core is pure', () => {
  it('has source files to check', () => expect(sources.length).toBeGreaterThan(5));
  it.each(sources)('%s imports no I/O module and reads no clock or randomness', (file) => {
    const text = readFileSync(join(coreDir, file), 'utf8');
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    expect(code).not.toMatch(forbiddenImport);
    expect(code).not.toMatch(forbiddenCall);
  });
  it.each(sources)('%s keeps no module-level cache (memos are passed in by the caller)', (file) => {
    const code = readFileSync(join(coreDir, file), 'utf8');
    // A top-level mutable collection is state shared by every caller; a ReadonlyMap/ReadonlySet constant is not.
    const topLevel = code
      .split('\n')
      .filter((line) => /^(export )?(const|let|var) /.test(line) && /new (WeakMap|WeakSet|Map|Set)\b/.test(line) && !/: Readonly(Map|Set)</.test(line));
    expect(topLevel).toEqual([]);
  });
});
