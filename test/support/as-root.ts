/**
 * Network-namespace tests need root (CAP_SYS_ADMIN for `ip netns add`). Off CI they skip
 * with a message when not root; on CI (which runs as root) a test makes sure they never skip
 * silently.
 */
export function describeAsRoot(file: string): jest.Describe {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) console.warn(`${file} skipped: creating network namespaces needs root (CAP_SYS_ADMIN); CI runs these as root.`);
  it('runs the namespace tests when CI is set (CI runs as root)', () => {
    if (process.env['CI'] !== undefined && process.env['CI'] !== '') expect(isRoot).toBe(true);
  });
  return isRoot ? describe : describe.skip;
}
