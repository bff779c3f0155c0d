import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Backoff and Retry-After are written once, in src/retry. A second exponential or a second
 * header parser elsewhere fails here, with the file named.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCANNED = ['src', 'agent', 'sim'];
// The emulators answer with Retry-After; they do not read it. The simulator's model of
// controller-runtime's rate limiter describes another product, not ours.
const EXEMPT = [/^src\/retry\//, /^src\/emulators\//, /^sim\/policies\/reconcile-queue\.ts$/, /\.test\.ts$/];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const files = SCANNED.flatMap((dir) => sources(join(ROOT, dir)))
  .map((path) => relative(ROOT, path).split('\\').join('/'))
  .filter((path) => !EXEMPT.some((pattern) => pattern.test(path)));

describe('one backoff and one Retry-After parser', () => {
  it('finds the sources it scans', () => {
    expect(files).toContain('src/reconcile/move.ts');
  });

  it.each([
    // A constant power (48 * 2 ** 20 bytes) is not a backoff; a variable exponent is.
    ['an exponential (base * 2 ** n)', /\*\s*2\s*\*\*\s*[A-Za-z_(]/],
    ['a jitter drawn inline (Math.random() * …)', /Math\.random\(\)\s*[*/]/],
    ['a read of the Retry-After header', /get\(\s*['"]retry-after['"]\s*\)|\[\s*['"]retry-after['"]\s*\]/i],
  ])('no file outside src/retry writes %s', (_what, pattern) => {
    const offenders = files.filter((path) => pattern.test(readFileSync(join(ROOT, path), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
