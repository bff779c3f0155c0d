import { readdirSync, readFileSync } from 'node:fs';
import { AGENT_REFUSALS } from '../../agent/address-guard.js';
import { kubeReason } from '../../src/core/kube-reason.js';
import { OUTCOMES, REASONS, SERVICE_REASONS } from '../../src/core/reasons.js';

// The troubleshooting guide and the upgrade notes quote metrics, settings, alerts, reasons and log
// lines; a user greps for them, so each must be one the code really has.

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(new URL(dir, root), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => read(`${dir}/${file}`));
}
const code = [...sources('src'), ...sources('agent')].join('\n');
const settings = read('src/config/settings.ts') + read('agent/agent-options.ts');
const rules = readdirSync(new URL('rules', root))
  .filter((file) => file.endsWith('.rules.yaml'))
  .map((file) => read(`rules/${file}`))
  .join('\n');

const guides = { troubleshooting: read('docs/troubleshooting.md'), upgrading: read('docs/upgrading.md'), changelog: read('CHANGELOG.md') };
const all = Object.values(guides).join('\n');
const unique = (matches: Iterable<RegExpMatchArray>, group = 0): string[] => [...new Set([...matches].map((m) => m[group] as string))];

/** Inline code spans outside fenced blocks, whitespace folded (a span may wrap a line). */
function spans(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '');
  return unique(prose.matchAll(/`([^`]+)`/g), 1).map((span) => span.split(/\s+/).join(' '));
}

describe('the troubleshooting guide, the upgrade notes and the changelog quote the code', () => {
  it('names only metrics the code registers (the removed ipshift_node_eligible aside)', () => {
    const metrics = unique(all.matchAll(/\bipshift_[a-z_]+[a-z]/g)).filter((name) => name !== 'ipshift_node_eligible');
    expect(metrics.length).toBeGreaterThan(10);
    for (const name of metrics) expect([name, code.includes(`name: '${name}'`)]).toEqual([name, true]);
    expect(code).not.toContain("name: 'ipshift_node_eligible'");
  });

  it('names only settings that exist', () => {
    const names = unique(all.matchAll(/\bIPSHIFT_[A-Z_]+[A-Z]/g));
    expect(names.length).toBeGreaterThan(8);
    for (const name of names) expect([name, settings.includes(`'${name}'`)]).toEqual([name, true]);
  });

  it('names only alerts the rules define', () => {
    const alerts = unique(all.matchAll(/\bIpshift[A-Z][A-Za-z]+/g));
    expect(alerts.length).toBeGreaterThan(4);
    for (const alert of alerts) expect([alert, rules.includes(`- alert: ${alert}\n`)]).toEqual([alert, true]);
  });

  it('quotes log lines as the code writes them', () => {
    // A span with words that is no command or label is a log line; a value the code fills in
    // (after the first `=`) is cut off.
    const lines = spans(guides.troubleshooting)
      .filter((span) => span.includes(' ') && !/^(kubectl|ipshift |release:|--)/.test(span))
      .map((span) => span.split('=')[0] as string);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect([line, code.includes(line)]).toEqual([line, true]);
  });

  it('gives CamelCase reasons from the one mapping', () => {
    const known = new Set([...REASONS, ...OUTCOMES, ...SERVICE_REASONS].map(kubeReason));
    const camel = unique(all.matchAll(/`((?:Holder|Wait|No|Partial|Manual)[A-Za-z]+|Unrouted|Paused)`/g), 1).filter(
      (reason) => reason !== 'HolderHealthy' && reason !== 'HolderUnhealthy', // Degraded=False's own reason; the old one
    );
    expect(camel.length).toBeGreaterThan(4);
    for (const reason of camel) expect([reason, known.has(reason)]).toEqual([reason, true]);
  });

  it("lists exactly the agent's refusal reasons", () => {
    const rows = unique(guides.troubleshooting.matchAll(/^\| `([a-z-]+)` \|/gm), 1);
    expect(rows.sort()).toEqual([...AGENT_REFUSALS].sort());
  });
});
