import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/ports/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { waitFor } from '../support/controller-harness.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

/** A person's view: Debian's chromium opens the sandbox's status page. */
describe('status page in a real browser', () => {
  let sandbox: Sandbox;
  let browser: Browser;

  beforeAll(async () => {
    sandbox = await startSandbox({
      config: loadConfig({ IPSHIFT_SANDBOX: '1' }),
      logger: silentLogger,
      version: 'test',
      port: 0,
      host: '127.0.0.1',
      cooldownSeconds: 0,
      taskDurationMs: 50,
    });
    await sandbox.app.loop.idle();
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
    await sandbox?.stop();
  });

  it('shows the holder and the node rows, and follows a failover without a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${sandbox.url}/`);
    const holderCell = page.locator('tr[data-failover-ip="default/web"] td.holder');
    expect(await holderCell.innerText()).toContain('node-1');
    expect(await page.locator('tr[data-node]').count()).toBe(3);
    expect(await page.locator('body').innerText()).toContain('This is the sandbox');

    const alert = {
      status: 'firing',
      labels: { alertname: 'KubeNodeNotReady', node: 'node-1', severity: 'critical' },
      annotations: {},
      startsAt: '2026-11-23T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: 'b1',
    };
    const response = await fetch(`${sandbox.url}/webhook/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', status: 'firing', receiver: 'r', groupKey: 'g', alerts: [alert] }),
    });
    expect(response.status).toBe(200);
    await waitFor(() => sandbox.app.reconciler.snapshot().failoverIPs[0]?.memory.assignedNode !== 'node-1', 3000, 'the move');
    // The page refreshes itself every second.
    await page.waitForFunction(`!(document.querySelector('tr[data-failover-ip="default/web"] td.holder')?.textContent ?? '').includes('node-1')`, undefined, {
      timeout: 5000,
    });
    expect(await page.locator('tr[data-node="node-1"]').getAttribute('class')).toBe('tier-down');
    expect(await page.locator('body').innerText()).toContain('KubeNodeNotReady');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('status-page.png', ARTIFACTS).pathname, fullPage: true });
  }, 30_000);
});
