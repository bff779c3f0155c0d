import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Sandbox } from '../../src/sandbox/start-sandbox.js';
import { waitFor } from '../support/controller-harness.js';
import { startTestSandbox } from '../support/sandbox.js';
import { postAlerts } from '../support/webhook.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

const alertOn = (node: string, fingerprint: string, alertname = 'KubeNodeNotReady') => ({
  status: 'firing',
  labels: { alertname, node, severity: 'critical' },
  annotations: {},
  startsAt: '2026-11-23T10:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  fingerprint,
});

async function fire(sandbox: Sandbox, alerts: unknown[]): Promise<void> {
  expect((await postAlerts(sandbox.url, alerts)).status).toBe(200);
}

const holderOf = (sandbox: Sandbox): string | null => sandbox.app.reconciler.snapshot().failoverIPs[0]?.memory.assignedNode ?? null;

/** A person's view: Debian's chromium opens the sandbox's status page, one incident after another. */
describe('status page in a real browser', () => {
  let browser: Browser;
  const sandboxes: Sandbox[] = [];

  async function sandbox(env: Record<string, string> = {}, cooldownSeconds = 0): Promise<Sandbox> {
    const box = await startTestSandbox({ IPSHIFT_NODE_PROBE_INTERVAL_MS: '200', ...env }, cooldownSeconds);
    sandboxes.push(box);
    return box;
  }

  async function open(box: Sandbox, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`${box.url}/`);
    return page;
  }

  /** What the banner at the top says, and which situations it names. */
  const situation = async (page: Page) => ({
    kinds: ((await page.locator('#situation').getAttribute('data-situations')) ?? '').split(' '),
    severity: await page.locator('#situation').getAttribute('class'),
    text: await page.locator('#situation').innerText(),
  });

  /** Waits until the page (refreshing itself every second) shows a situation. */
  const showing = async (page: Page, kind: string): Promise<void> => {
    await page.waitForFunction(
      `(document.querySelector('#situation')?.getAttribute('data-situations') ?? '').split(' ').includes(${JSON.stringify(kind)})`,
      undefined,
      {
        timeout: 8000,
      },
    );
  };

  const shot = async (page: Page, name: string): Promise<void> => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL(`status-page-${name}.png`, ARTIFACTS).pathname, fullPage: true });
  };

  const holderBackground = async (page: Page): Promise<string> =>
    page.evaluate(`getComputedStyle(document.querySelector('tr[data-failover-ip="default/web"] td.holder')).backgroundColor`);

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const box of sandboxes) await box.stop();
  });

  it('all good: says so at the top, the holder is green, every node is a candidate; then follows a failover without a reload', async () => {
    const box = await sandbox();
    const page = await open(box);
    const holderCell = page.locator('tr[data-failover-ip="default/web"] td.holder');
    expect(await holderCell.innerText()).toContain('node-1');
    expect(await page.locator('tr[data-node]').count()).toBe(3);
    expect(await page.locator('body').innerText()).toContain('This is the sandbox');
    expect(await situation(page)).toEqual({ kinds: ['all-good'], severity: 'situation ok', text: 'All good: the FailoverIP is on healthy nodes.' });
    expect(await holderCell.getAttribute('data-tier')).toBe('healthy');
    expect(await holderBackground(page)).toBe('rgb(218, 251, 225)');
    expect(await page.locator('li[data-candidate][data-eligible="true"]').count()).toBe(3);
    await shot(page, 'all-good');

    await fire(box, [alertOn('node-1', 'b1')]);
    await waitFor(() => holderOf(box) !== 'node-1', 3000, 'the move');
    // The page refreshes itself every second.
    await page.waitForFunction(`!(document.querySelector('tr[data-failover-ip="default/web"] td.holder')?.textContent ?? '').includes('node-1')`, undefined, {
      timeout: 5000,
    });
    expect(await page.locator('tr[data-node="node-1"]').getAttribute('class')).toBe('tier-down');
    expect(await page.locator('body').innerText()).toContain('KubeNodeNotReady');
    expect(await page.locator('li[data-candidate="node-1"]').innerText()).toBe('node-1: not a candidate: it is down (a down alert is active)');
    await shot(page, 'after-failover');
  }, 30_000);

  it('a powered-off holder inside the cooldown: red at the top and in the holder cell as soon as the probe says so, long before Kubernetes notices', async () => {
    const box = await sandbox({}, 600);
    // The first move is free; the second one would wait 600 s.
    await fire(box, [alertOn('node-1', 'b1')]);
    await waitFor(() => holderOf(box) === 'node-2', 3000, 'the IP on node-2');
    const page = await open(box);
    expect(await situation(page)).toMatchObject({ kinds: ['all-good'] });

    expect((await fetch(`${box.url}/sandbox/nodes/node-2/power?state=off`, { method: 'POST' })).status).toBe(200);
    await showing(page, 'holder-down');
    const seen = await situation(page);
    expect(seen.severity).toBe('situation alarm');
    expect(seen.kinds).toEqual(['holder-down', 'cooldown-blocking']);
    expect(seen.text).toContain("default/web is on node-2, which is down: no answer to ipshift's own probe.");
    expect(seen.text).toMatch(/The cooldown blocks moving default\/web to node-3 for \d+ s more/);
    const holderCell = page.locator('tr[data-failover-ip="default/web"] td.holder');
    expect(await holderCell.getAttribute('data-tier')).toBe('down');
    expect(await holderBackground(page)).toBe('rgb(255, 235, 233)');
    expect(await page.locator('li[data-candidate="node-2"]').innerText()).toBe("node-2 holder: not a candidate: it is down (no answer to ipshift's own probe)");
    expect(await page.locator('li[data-candidate="node-3"]').innerText()).toBe('node-3 target: candidate, healthy');
    // Kubernetes has not noticed yet (it takes 40 s): the page did not wait for it.
    expect(box.cluster.nodes().find((n) => n.name === 'node-2')?.conditions['Ready']).toBe('True');
    await shot(page, 'holder-down-cooldown');

    // The same incident on a 420 px phone: nothing cut off, nothing to scroll sideways.
    const phone = await open(box, 420);
    await showing(phone, 'holder-down');
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(420);
    // Measured in one go inside the page: its refresh replaces the block every second.
    const selectors = ['#situation', 'tr[data-failover-ip="default/web"] td.holder', 'li[data-candidate="node-3"]', 'tr[data-node="node-2"]'];
    const edges = (await phone.evaluate(
      `${JSON.stringify(selectors)}.map((s) => { const r = document.querySelector(s)?.getBoundingClientRect(); return r === undefined || r.width === 0 ? null : [r.left, r.right]; })`,
    )) as Array<[number, number] | null>;
    expect(edges.map((e) => e !== null && e[0] >= 0 && e[1] <= 420)).toEqual(selectors.map(() => true));
    expect(await phone.locator('tr[data-failover-ip="default/web"] td.holder').isVisible()).toBe(true);
    await shot(phone, 'holder-down-420px');
  }, 30_000);

  it('no eligible node: every node down, the IP stays and the page says no node is eligible', async () => {
    const box = await sandbox({}, 600);
    await fire(box, [alertOn('node-1', 'a1'), alertOn('node-2', 'a2'), alertOn('node-3', 'a3')]);
    const page = await open(box);
    await showing(page, 'no-eligible-node');
    const seen = await situation(page);
    expect(seen.severity).toBe('situation alarm');
    expect(seen.kinds).toEqual(['holder-down', 'no-eligible-node']);
    expect(seen.text).toContain('No node is eligible for default/web: it stays where it is.');
    expect(await page.locator('li[data-candidate][data-eligible="true"]').count()).toBe(0);
    await shot(page, 'no-eligible-node');
  }, 30_000);

  it('cooldown blocking a drain: a warning, not an alarm, with the time left', async () => {
    const box = await sandbox({}, 600);
    await fire(box, [alertOn('node-1', 'b1')]);
    await waitFor(() => holderOf(box) === 'node-2', 3000, 'the IP on node-2');
    box.cluster.updateNode('node-2', (n) => ({ ...n, unschedulable: true }));
    const page = await open(box);
    await showing(page, 'cooldown-blocking');
    const seen = await situation(page);
    expect(seen.severity).toBe('situation warning');
    expect(seen.kinds).toEqual(['holder-unhealthy', 'cooldown-blocking']);
    expect(seen.text).toContain('default/web is on node-2, which is drain: cordoned.');
    expect(await page.locator('tr[data-failover-ip="default/web"] td.holder').getAttribute('data-tier')).toBe('drain');
    await shot(page, 'cooldown-blocking');
  }, 30_000);

  it('a LoadBalancer Service: listed with its address and holder; its endpoints moved, the IP and the page follow', async () => {
    const box = await sandbox();
    const page = await open(box);
    const row = page.locator('tr[data-service="default/shop"]');
    await page.waitForFunction(`(document.querySelector('tr[data-service="default/shop"] td.holder')?.textContent ?? '') === 'node-1'`, undefined, {
      timeout: 5000,
    });
    expect(await row.innerText()).toContain('198.51.100.10');
    expect(await row.innerText()).toContain('default/web');
    expect(box.services.getService('default', 'shop')?.ingress).toEqual([{ ip: '198.51.100.10', ipMode: 'VIP' }]);

    expect((await fetch(`${box.url}/sandbox/services/shop/endpoints?nodes=node-3`, { method: 'POST' })).status).toBe(200);
    await waitFor(() => holderOf(box) === 'node-3', 3000, 'the IP on node-3, where the endpoints are');
    await page.waitForFunction(`(document.querySelector('tr[data-service="default/shop"] td.holder')?.textContent ?? '') === 'node-3'`, undefined, {
      timeout: 5000,
    });
    expect(await row.innerText()).toContain('node-3');
    expect(await page.locator('li[data-candidate="node-1"]').innerText()).toBe(
      'node-1: not a candidate: no ready endpoint of its LoadBalancer Service (externalTrafficPolicy Local) runs on it',
    );
    expect(box.services.events.some((e) => e.reason === 'NodeAssigned' && e.message.includes('node-3 (was node-1)'))).toBe(true);
    await shot(page, 'load-balancer-service');
  }, 30_000);

  it('alert view stale: the watchdog alert is overdue, and the page says what that means', async () => {
    const box = await sandbox({ IPSHIFT_WATCHDOG_ALERTNAME: 'Watchdog', IPSHIFT_WATCHDOG_TIMEOUT_SECONDS: '1' });
    const page = await open(box);
    await showing(page, 'alerts-stale');
    const seen = await situation(page);
    expect(seen).toMatchObject({ kinds: ['alerts-stale'], severity: 'situation warning' });
    expect(seen.text).toContain('The alert view is stale');
    await shot(page, 'alerts-stale');
  }, 30_000);
});
