import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { REPO_ROOT } from '../../scripts/build-monitoring.js';
import { readYaml } from './monitoring-sources.js';

const run = promisify(execFile);

async function amtool(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('amtool', args, { cwd: REPO_ROOT, timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

/** The receivers an alert with these labels reaches (amtool's own routing tree walk). */
async function receivers(configFile: string, labels: Record<string, string>): Promise<string[]> {
  const result = await amtool(['config', 'routes', 'test', `--config.file=${configFile}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  expect(result.code).toBe(0);
  const line = result.output.split('\n').find((l) => l.trim() !== '' && !l.startsWith('Warning')) ?? '';
  return line.trim().split(',');
}

const EXAMPLE = 'deploy/monitoring/alertmanager.example.yml';

const NODE_SIGNAL = { alertname: 'IpshiftNodeNotReady', ipshift_class: 'down', severity: 'none', node: 'node-a' };
const NODE_ALERT = { alertname: 'KubeNodeNotReady', severity: 'warning', node: 'node-a' };
/** An application's own alert that happens to name a node's address. */
const TENANT_ALERT = { alertname: 'CheckoutDown', severity: 'critical', instance: '10.0.0.1:8080', namespace: 'shop' };
/** Alerts the default policy trusts, and the Watchdog. */
const TRUSTED = [
  'KubeNodeNotReady',
  'KubeNodeUnreachable',
  'KubeNodeReadinessFlapping',
  'NodeFilesystemAlmostOutOfSpace',
  'NodeMemoryHighUtilization',
  'Watchdog',
];

type Manifest = { kind?: string; metadata?: { name?: string }; data?: Record<string, string>; spec?: unknown };

/** The controller's IPSHIFT_WATCHDOG_ALERTNAME as the rendered install sets it (env or an envFrom ConfigMap). */
async function watchdogAlertname(): Promise<string | undefined> {
  const { stdout } = await run('kubectl', ['kustomize', 'deploy/'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
  const objects = parseAllDocuments(stdout).map((d) => d.toJS() as Manifest);
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'ipshift-controller') as
    | {
        spec: {
          template: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }>; envFrom?: Array<{ configMapRef?: { name: string } }> }> } };
        };
      }
    | undefined;
  const container = deployment?.spec.template.spec.containers[0];
  const direct = container?.env?.find((e) => e.name === 'IPSHIFT_WATCHDOG_ALERTNAME')?.value;
  if (direct !== undefined) return direct;
  for (const from of container?.envFrom ?? []) {
    const value = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === from.configMapRef?.name)?.data?.['IPSHIFT_WATCHDOG_ALERTNAME'];
    if (value !== undefined) return value;
  }
  return undefined;
}

describe('alertmanager.yml example', () => {
  it('passes amtool check-config', async () => {
    const result = await amtool(['check-config', EXAMPLE]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('sends node signals to ipshift only, and node alerts to ipshift and on to the other routes', async () => {
    expect(await receivers(EXAMPLE, NODE_SIGNAL)).toEqual(['ipshift']);
    expect(await receivers(EXAMPLE, NODE_ALERT)).toEqual(['ipshift', 'default']);
  });

  it("routes the watchdog alert the controller waits for (kube-prometheus-stack's Watchdog) to ipshift", async () => {
    const alertname = await watchdogAlertname();
    expect(alertname).toBe('Watchdog');
    expect(await receivers(EXAMPLE, { alertname: alertname as string, severity: 'none' })).toContain('ipshift');
  });

  it("routes the node-health alerts to ipshift, and never an application's alert", async () => {
    for (const alertname of TRUSTED)
      expect([alertname, await receivers(EXAMPLE, { alertname, severity: 'warning', node: 'node-a' })]).toEqual([alertname, ['ipshift', 'default']]);
    expect(await receivers(EXAMPLE, TENANT_ALERT)).toEqual(['default']);
  });

  it('authenticates with a bearer token read from a file', () => {
    const config = readYaml<{ receivers: Array<{ name: string; webhook_configs?: Array<Record<string, unknown>> }> }>(EXAMPLE);
    const webhook = config.receivers.find((r) => r.name === 'ipshift')?.webhook_configs?.[0];
    expect(webhook?.['url']).toMatch(/\/webhook\/alertmanager$/);
    expect(webhook?.['send_resolved']).toBe(true);
    expect(webhook?.['http_config']).toEqual({ authorization: { type: 'Bearer', credentials_file: expect.stringMatching(/^\//) } });
  });

  it('amtool rejects a broken config, so the checks above can fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipshift-amtool-'));
    try {
      const file = join(dir, 'broken.yml');
      writeFileSync(file, stringify({ route: { receiver: 'missing' }, receivers: [{ name: 'ipshift' }] }));
      expect((await amtool(['check-config', file])).code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// --- AlertmanagerConfig: rendered into alertmanager.yml the way the Prometheus Operator does. ---

const ROUTE_FIELDS: Readonly<Record<string, string>> = {
  receiver: 'receiver',
  groupBy: 'group_by',
  groupWait: 'group_wait',
  groupInterval: 'group_interval',
  repeatInterval: 'repeat_interval',
};
const WEBHOOK_FIELDS: Readonly<Record<string, string>> = { url: 'url', sendResolved: 'send_resolved', maxAlerts: 'max_alerts' };

interface AlertmanagerConfig {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    route: Record<string, unknown>;
    receivers: Array<{ name: string; webhookConfigs?: Array<Record<string, unknown>> }>;
  };
}

/**
 * What the operator generates for one AlertmanagerConfig: receiver names prefixed
 * `<namespace>/<name>/`, the first-level route forced to `continue: true` and, with the
 * default OnNamespace strategy, a `namespace="<namespace>"` matcher; Secret references
 * resolved (here to a placeholder token).
 */
function renderLikeOperator(resource: AlertmanagerConfig, namespace: string, strategy: 'OnNamespace' | 'None'): unknown {
  const prefix = (receiver: string): string => `${namespace}/${resource.metadata.name}/${receiver}`;
  const route: Record<string, unknown> = { continue: true };
  const matchers: string[] = [];
  for (const [key, value] of Object.entries(resource.spec.route)) {
    if (key === 'matchers') {
      for (const m of value as Array<{ name: string; value: string; matchType?: string }>)
        matchers.push(`${m.name}${m.matchType ?? '='}${JSON.stringify(m.value)}`);
      continue;
    }
    const target = ROUTE_FIELDS[key];
    if (target === undefined) throw new Error(`route field ${key} is not handled by this test`);
    route[target] = key === 'receiver' ? prefix(String(value)) : value;
  }
  if (strategy === 'OnNamespace') matchers.push(`namespace="${namespace}"`);
  if (matchers.length > 0) route['matchers'] = matchers;
  const receivers = resource.spec.receivers.map((receiver) => ({
    name: prefix(receiver.name),
    webhook_configs: (receiver.webhookConfigs ?? []).map((webhook) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(webhook)) {
        if (key === 'httpConfig') {
          const auth = (value as { authorization?: { type?: string; credentials?: { name: string; key: string } } }).authorization;
          if (auth?.credentials?.name === undefined || auth.credentials.key === undefined)
            throw new Error('httpConfig.authorization.credentials needs name and key');
          out['http_config'] = { authorization: { type: auth.type ?? 'Bearer', credentials: 'token-from-secret' } };
        } else {
          const target = WEBHOOK_FIELDS[key];
          if (target === undefined) throw new Error(`webhook field ${key} is not handled by this test`);
          out[target] = value;
        }
      }
      return out;
    }),
  }));
  return { route: { receiver: 'null', routes: [route] }, receivers: [{ name: 'null' }, ...receivers] };
}

describe('AlertmanagerConfig', () => {
  const resource = readYaml<AlertmanagerConfig>('deploy/monitoring/alertmanagerconfig.yaml');
  const namespace = readYaml<{ namespace: string }>('deploy/monitoring/kustomization.yaml').namespace;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ipshift-amconfig-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (strategy: 'OnNamespace' | 'None'): string => {
    const file = join(dir, `alertmanager-${strategy}.yml`);
    writeFileSync(file, stringify(renderLikeOperator(resource, namespace, strategy)));
    return file;
  };

  it('is a v1alpha1 AlertmanagerConfig with a bearer-token webhook to ipshift', () => {
    expect(resource.apiVersion).toBe('monitoring.coreos.com/v1alpha1');
    expect(resource.kind).toBe('AlertmanagerConfig');
    expect(resource.spec.receivers[0]?.webhookConfigs?.[0]?.['url']).toMatch(new RegExp(`\\.${namespace}\\.svc:8080/webhook/alertmanager$`));
  });

  it('renders into a config amtool accepts', async () => {
    for (const strategy of ['OnNamespace', 'None'] as const) {
      const result = await amtool(['check-config', write(strategy)]);
      expect(result.code).toBe(0);
    }
  });

  it('needs the matcher strategy None for node alerts, which carry no namespace label (the note in the manifest)', async () => {
    const receiver = `${namespace}/ipshift/ipshift`;
    expect(await receivers(write('OnNamespace'), NODE_SIGNAL)).toEqual(['null']);
    expect(await receivers(write('OnNamespace'), { ...NODE_ALERT, namespace })).toEqual([receiver]);
    expect(await receivers(write('None'), NODE_SIGNAL)).toEqual([receiver]);
    expect(await receivers(write('None'), NODE_ALERT)).toEqual([receiver]);
  });

  it('with the matcher strategy None, routes the watchdog alert the controller waits for to ipshift', async () => {
    const alertname = await watchdogAlertname();
    expect(alertname).toBeDefined();
    expect(await receivers(write('None'), { alertname: alertname as string, severity: 'none' })).toEqual([`${namespace}/ipshift/ipshift`]);
  });

  it("routes the node-health alerts to ipshift, and never an application's alert", async () => {
    const receiver = `${namespace}/ipshift/ipshift`;
    for (const alertname of TRUSTED)
      expect([alertname, await receivers(write('None'), { alertname, severity: 'warning', node: 'node-a' })]).toEqual([alertname, [receiver]]);
    expect(await receivers(write('None'), TENANT_ALERT)).toEqual(['null']);
    expect(await receivers(write('OnNamespace'), { ...TENANT_ALERT, namespace })).toEqual(['null']);
  });
});

describe("the controller's receiver filter for the API sync", () => {
  const deployment = readYaml<{ spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } }>(
    'deploy/controller/deployment.yaml',
  );
  const filter = deployment.spec.template.spec.containers[0]?.env.find((e) => e.name === 'IPSHIFT_ALERTMANAGER_RECEIVER')?.value ?? '';
  // Alertmanager anchors the receiver regex, as here.
  const matches = (name: string): boolean => new RegExp(`^(?:${filter})$`).test(name);
  const namespace = readYaml<{ namespace: string }>('deploy/monitoring/kustomization.yaml').namespace;

  it("is set, and selects exactly ipshift's receiver in both shipped Alertmanager configurations", () => {
    expect(filter).not.toBe('');
    expect(matches(`${namespace}/ipshift/ipshift`)).toBe(true);
    const example = readYaml<{ receivers: Array<{ name: string; webhook_configs?: unknown[] }> }>(EXAMPLE);
    for (const receiver of example.receivers) expect([receiver.name, matches(receiver.name)]).toEqual([receiver.name, receiver.webhook_configs !== undefined]);
    // Another namespace's AlertmanagerConfig of the same name is not ipshift's.
    expect(matches('shop/ipshift/ipshift')).toBe(false);
  });
});
