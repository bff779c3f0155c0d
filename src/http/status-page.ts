import type { State } from './state.js';

type FailoverIPView = State['failoverIPs'][number];
type NodeView = State['nodes'][number];
type ServiceView = State['services'][number];

const escape = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const TIER_COLOUR: Record<string, string> = { healthy: '#1a7f37', degraded: '#9a6700', drain: '#bc4c00', down: '#cf222e', ineligible: '#6e7781' };
const TIER_BACKGROUND: Record<string, string> = { healthy: '#dafbe1', degraded: '#fff8c5', drain: '#fff1e5', down: '#ffebe9', ineligible: '#eaeef2' };

/** What each issue means to someone looking at an incident (the codes stay beside them). */
const ISSUE_TEXT: Record<string, string> = {
  'not-eligible': 'not eligible for this FailoverIP',
  'network-unavailable': 'NetworkUnavailable=True',
  'ready-false': 'Ready=False',
  'ready-unknown': 'Kubernetes lost contact (Ready=Unknown)',
  unreachable: 'tainted unreachable',
  unresponsive: "no answer to ipshift's own probe",
  'alert-down': 'a down alert is active',
  'alert-drain': 'a drain alert is active',
  cordoned: 'cordoned',
  'pid-pressure': 'PID pressure',
  'memory-pressure': 'memory pressure',
  'disk-pressure': 'disk pressure',
  'alert-degraded': 'a degraded alert is active',
};

const INELIGIBILITY_TEXT: Record<string, string> = {
  deleted: 'the Node is being deleted',
  'not-selected': 'spec.nodeSelector does not select it',
  'no-ready-pod': 'no Ready pod of spec.podSelector runs on it',
  'no-ready-endpoint': 'no ready endpoint of its LoadBalancer Service (externalTrafficPolicy Local) runs on it',
  'server-remapped': 'its server changed since ipshift pinned it (confirm by removing the ipshift.dev/server-pin annotation)',
  'no-server-id': 'the provider knows no server for it',
  'server-in-use': 'its server holds another FailoverIP address and the provider allows one per server',
  down: 'it is down',
};

function ago(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  return `${Math.round(seconds / 3600)}h ago`;
}

const issueList = (node: NodeView | undefined): string => (node === undefined ? '' : node.issues.map((i) => ISSUE_TEXT[i] ?? i).join(', '));

/** How bad a situation is: the banner takes the colour of the worst one. */
export type Severity = 'alarm' | 'warning' | 'ok';

/** One line of the banner at the top of the page; `kind` names it for tests and for the eye. */
export interface Situation {
  readonly kind: 'all-good' | 'holder-down' | 'no-eligible-node' | 'unrouted' | 'cooldown-blocking' | 'grace' | 'holder-unhealthy' | 'paused' | 'alerts-stale';
  readonly severity: Severity;
  readonly text: string;
}

function failoverIPSituations(f: FailoverIPView, nodes: ReadonlyMap<string, NodeView>): Situation[] {
  const name = `${f.namespace}/${f.name}`;
  const d = f.lastDecision;
  const holder = f.assignedNode === null ? undefined : nodes.get(f.assignedNode);
  const out: Situation[] = [];
  if (f.assignedNode === null) {
    out.push({ kind: 'unrouted', severity: 'alarm', text: `${name} is routed to no node.` });
  } else if (holder === undefined || holder.tier === 'down' || holder.tier === 'ineligible') {
    const why = holder === undefined ? 'not a node of this cluster' : `down: ${issueList(holder)}`;
    const next = f.moveInFlight ? ` Moving to ${f.desiredNode ?? '?'} now.` : '';
    out.push({ kind: 'holder-down', severity: 'alarm', text: `${name} is on ${f.assignedNode}, which is ${why}.${next}` });
  } else if (holder.tier !== 'healthy') {
    out.push({ kind: 'holder-unhealthy', severity: 'warning', text: `${name} is on ${f.assignedNode}, which is ${holder.tier}: ${issueList(holder)}.` });
  }
  if (d?.outcome === 'no-eligible-node') {
    out.push({ kind: 'no-eligible-node', severity: 'alarm', text: `No node is eligible for ${name}: it stays where it is. ${d.message}` });
  }
  if (d?.outcome === 'wait-cooldown') {
    out.push({
      kind: 'cooldown-blocking',
      severity: 'warning',
      text: `The cooldown blocks moving ${name} to ${d === null ? '?' : (f.desiredNode ?? '?')} for ${f.cooldownRemainingSeconds} s more (until ${f.nextMoveAllowedAt ?? '?'}).`,
    });
  }
  if (d?.outcome === 'wait-grace') out.push({ kind: 'grace', severity: 'warning', text: `${name} waits out the grace period before it moves: ${d.message}` });
  if (d?.outcome === 'paused') out.push({ kind: 'paused', severity: 'warning', text: `${name} is paused (spec.paused): ipshift will not move it.` });
  return out;
}

/** The situation at a glance, worst first: what a person opening the page during an incident needs. */
export function situations(state: State): Situation[] {
  const nodes = new Map(state.nodes.map((n) => [n.name, n]));
  const out = state.failoverIPs.flatMap((f) => failoverIPSituations(f, nodes));
  if (state.alertSource.stale) {
    out.push({
      kind: 'alerts-stale',
      severity: 'warning',
      text: 'The alert view is stale (the watchdog alert or the Alertmanager sync is overdue): no alert does not mean healthy. Alerts alone move no IP until it is fresh; Kubernetes and the node probe still do.',
    });
  }
  const rank: Record<Severity, number> = { alarm: 0, warning: 1, ok: 2 };
  out.sort((a, b) => rank[a.severity] - rank[b.severity]);
  if (out.length === 0) {
    const count = state.failoverIPs.length;
    out.push({
      kind: 'all-good',
      severity: 'ok',
      text:
        count === 0
          ? 'All good: no FailoverIP to look after yet.'
          : `All good: ${count === 1 ? 'the FailoverIP is' : `all ${count} FailoverIPs are`} on healthy nodes.`,
    });
  }
  return out;
}

function situationBlock(state: State): string {
  const list = situations(state);
  const worst = list[0]?.severity ?? 'ok';
  return `<section id="situation" class="situation ${worst}" data-situations="${escape(list.map((s) => s.kind).join(' '))}">
<ul>${list.map((s) => `<li data-kind="${escape(s.kind)}">${escape(s.text)}</li>`).join('')}</ul></section>`;
}

function holderCell(f: FailoverIPView, nodes: ReadonlyMap<string, NodeView>): string {
  const holder = f.assignedNode === null ? undefined : nodes.get(f.assignedNode);
  const tier = f.assignedNode === null ? 'down' : (holder?.tier ?? 'ineligible');
  const issues = issueList(holder);
  return `<td class="holder" data-label="Holder" data-tier="${escape(tier)}" style="background:${TIER_BACKGROUND[tier] ?? '#eaeef2'}">
<b>${escape(f.assignedNode ?? 'unrouted')}</b> <span style="color:${TIER_COLOUR[tier] ?? '#6e7781'}"><b>${escape(tier)}</b></span>${f.moveInFlight ? ' <span class="pill move">moving…</span>' : ''}${issues === '' ? '' : `<br><small>${escape(issues)}</small>`}</td>`;
}

/** Per node: is it a candidate for this FailoverIP, and why (not)? */
function candidateList(f: FailoverIPView, nodes: ReadonlyMap<string, NodeView>): string {
  if (f.candidates.length === 0) return '';
  const items = f.candidates.map((c) => {
    const node = nodes.get(c.node);
    const role = c.node === f.assignedNode ? 'holder' : c.node === f.desiredNode ? 'target' : '';
    const why = c.eligible
      ? `candidate, ${node?.tier ?? 'healthy'}${node !== undefined && node.issues.length > 0 ? ` (${issueList(node)})` : ''}`
      : `not a candidate: ${INELIGIBILITY_TEXT[c.ineligibility ?? ''] ?? c.ineligibility ?? '?'}${c.ineligibility === 'down' ? ` (${issueList(node)})` : ''}`;
    return `<li data-candidate="${escape(c.node)}" data-eligible="${c.eligible}" class="${c.eligible ? 'yes' : 'no'}"><b>${escape(c.node)}</b>${role === '' ? '' : ` <span class="pill">${role}</span>`}: ${escape(why)}</li>`;
  });
  return `<ul class="candidates">${items.join('')}</ul>`;
}

function failoverIPRows(state: State, nodes: ReadonlyMap<string, NodeView>): string {
  if (state.failoverIPs.length === 0) return '<tr><td colspan="6">No FailoverIP objects yet.</td></tr>';
  const now = Date.parse(state.generatedAt ?? '');
  return state.failoverIPs
    .map((f) => {
      const d = f.lastDecision;
      const cooldown = f.cooldownRemainingSeconds > 0 ? `${f.cooldownRemainingSeconds}s left` : 'none';
      return `<tr data-failover-ip="${escape(`${f.namespace}/${f.name}`)}">
  <td data-label="FailoverIP"><b>${escape(f.namespace)}/${escape(f.name)}</b><br><small>${escape(f.provider)}${f.paused ? ' · <b>paused</b>' : ''}</small><br><code>${f.addresses.map(escape).join('<br>')}</code></td>
  ${holderCell(f, nodes)}
  <td data-label="Decision">${d === null ? '—' : `<span class="pill ${escape(d.outcome)}">${escape(d.outcome)}</span> <code>${escape(d.reason)}</code><br><small>${escape(d.message)}</small>`}</td>
  <td data-label="Candidates">${candidateList(f, nodes)}</td>
  <td data-label="Cooldown">${cooldown}</td>
  <td data-label="Last move">${escape(f.lastMoveTime === null ? 'never' : ago(f.lastMoveTime, now))}</td>
</tr>`;
    })
    .join('\n');
}

/** LoadBalancer Services of class ipshift.dev/failover-ip: the address each got, from which FailoverIP, on which node. */
function serviceSection(state: State, nodes: ReadonlyMap<string, NodeView>): string {
  if (state.services.length === 0) return '';
  const rows = state.services.map((s: ServiceView) => {
    const holder = s.holder === null ? undefined : nodes.get(s.holder);
    const tier = s.holder === null ? 'down' : (holder?.tier ?? 'ineligible');
    const endpoints =
      s.readyEndpointNodes === null
        ? s.externalTrafficPolicy === 'Local'
          ? 'not listed yet'
          : 'any node (Cluster)'
        : s.readyEndpointNodes.join(', ') || 'none ready';
    return `<tr data-service="${escape(`${s.namespace}/${s.name}`)}">
  <td data-label="Service"><b>${escape(s.namespace)}/${escape(s.name)}</b><br><small>externalTrafficPolicy ${escape(s.externalTrafficPolicy)}</small></td>
  <td data-label="Address">${s.addresses.length === 0 ? `<b style="color:#cf222e">none</b><br><small>${escape(s.problem ?? '')}</small>` : `<code>${s.addresses.map(escape).join('<br>')}</code>`}</td>
  <td data-label="FailoverIP">${escape(s.failoverIP ?? '—')}</td>
  <td data-label="Holder" class="holder" data-tier="${escape(tier)}"><b>${escape(s.holder ?? '—')}</b></td>
  <td data-label="Ready endpoints on">${escape(endpoints)}</td>
</tr>`;
  });
  return `<section><h2>LoadBalancer Services</h2><table><thead><tr><th>Service</th><th>Address</th><th>FailoverIP</th><th>Holder</th><th>Ready endpoints on</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function nodeRows(state: State): string {
  if (state.nodes.length === 0) return '<tr><td colspan="5">No nodes seen yet.</td></tr>';
  return state.nodes
    .map((n) => {
      const colour = TIER_COLOUR[n.tier] ?? '#6e7781';
      const alerts = n.alerts.map((a) => `<span class="pill ${escape(a.class)}">${escape(a.alertname)} (${escape(a.class)})</span>`).join(' ');
      return `<tr data-node="${escape(n.name)}" class="tier-${escape(n.tier)}">
  <td data-label="Node"><span class="dot" style="background:${colour}"></span><b>${escape(n.name)}</b><br><small>${n.addresses.map(escape).join(', ')}</small></td>
  <td data-label="Health" style="color:${colour}"><b>${escape(n.tier)}</b></td>
  <td data-label="Issues">${n.issues.length === 0 ? '—' : n.issues.map((i) => `<code title="${escape(ISSUE_TEXT[i] ?? i)}">${escape(i)}</code>`).join(' ')}</td>
  <td data-label="Active alerts">${alerts === '' ? '—' : alerts}</td>
  <td data-label="Holds">${n.holds.length === 0 ? '—' : n.holds.map(escape).join('<br>')}${n.eligible ? '' : '<br><small>not eligible</small>'}</td>
</tr>`;
    })
    .join('\n');
}

function timeline(state: State): string {
  if (state.recentMoves.length === 0) return '<li>No moves yet.</li>';
  return state.recentMoves
    .slice(0, 12)
    .map(
      (m) =>
        `<li><code>${escape(m.at)}</code> ${escape(m.failoverIP)}: ${escape(m.from ?? 'unrouted')} → <b>${escape(m.to)}</b> <span class="pill ${escape(m.result)}">${escape(m.result)}</span> <code>${escape(m.reason)}</code> in ${m.durationMs} ms</li>`,
    )
    .join('\n');
}

/** The status page: server-rendered, no build step; it refreshes its main block every second. */
export function renderStatusPage(state: State): string {
  const now = Date.parse(state.generatedAt ?? '') || 0;
  const source = state.alertSource;
  const nodes = new Map(state.nodes.map((n) => [n.name, n]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ipshift</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1f2328;overflow-wrap:break-word}
header{background:#24292f;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:18px;margin:0}.banner{background:#fff8c5;border-bottom:1px solid #d4a72c;padding:8px 20px}
main{padding:16px 20px}section{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin-bottom:16px;padding:12px}
.situation{font-size:16px;border-width:2px}.situation ul{list-style:none;padding:0}.situation li{padding:2px 0}
.situation.ok{background:#dafbe1;border-color:#1a7f37}.situation.warning{background:#fff8c5;border-color:#9a6700}.situation.alarm{background:#ffebe9;border-color:#cf222e;font-weight:600}
h2{font-size:15px;margin:0 0 8px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-top:1px solid #eaeef2;vertical-align:top}
th{font-size:12px;color:#57606a;border-top:0}.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#eaeef2}
.pill.move,.pill.success,.pill.keep{background:#dafbe1}.pill.wait-cooldown,.pill.wait-grace,.pill.degraded,.pill.info{background:#fff8c5}
.pill.no-eligible-node,.pill.failure,.pill.down,.pill.rate-limited{background:#ffebe9}.pill.paused,.pill.drain{background:#fbefff}
tr.tier-down td{background:#fff5f5}small{color:#57606a}ul{margin:0;padding-left:18px}
.candidates{padding-left:0;list-style:none}.candidates li.no{color:#57606a}.candidates li.yes::before{content:"✓ ";color:#1a7f37}.candidates li.no::before{content:"✗ ";color:#cf222e}
@media (max-width:720px){main{padding:8px}header{padding:8px}table,thead,tbody,tr,th,td{display:block}thead{display:none}
tr{border-top:2px solid #d0d7de;padding:4px 0}td{border-top:0;padding:3px 4px}td[data-label]::before{content:attr(data-label) ": ";font-size:12px;color:#57606a}}
</style></head>
<body>
<header><h1>ipshift</h1><span id="role">${state.leader ? 'leader' : 'follower'}</span><span>${state.sandbox ? 'SANDBOX' : ''}</span></header>
${state.sandbox ? '<div class="banner">This is the sandbox: a simulated 3-node cluster and the built-in netcup emulator. Nothing real is moved.</div>' : ''}
<main id="main">
${situationBlock(state)}
<section><h2>Failover IPs</h2><table><thead><tr><th>FailoverIP</th><th>Holder</th><th>Last decision</th><th>Candidates</th><th>Cooldown</th><th>Last move</th></tr></thead>
<tbody>${failoverIPRows(state, nodes)}</tbody></table></section>
${serviceSection(state, nodes)}
<section><h2>Nodes</h2><table><thead><tr><th>Node</th><th>Health</th><th>Issues</th><th>Active alerts</th><th>Holds</th></tr></thead>
<tbody>${nodeRows(state)}</tbody></table></section>
<section><h2>Alert source</h2>
<p>Last webhook: <b>${escape(ago(source.lastWebhookAt, now))}</b> · last Alertmanager sync: <b>${escape(ago(source.lastSyncAt, now))}</b> ·
${source.stale ? '<b style="color:#cf222e">STALE: no alert does not mean healthy</b>' : 'fresh'}
${state.unmappedAlerts.length > 0 ? `<br>Unmapped alerts: ${state.unmappedAlerts.map((u) => `${escape(u.alertname)} ×${u.count}`).join(', ')}` : ''}</p></section>
<section><h2>Recent moves</h2><ul>${timeline(state)}</ul></section>
<p><small>Updated ${escape(state.generatedAt)} · <a href="/api/v1/state">/api/v1/state</a> · <a href="/metrics">/metrics</a></small></p>
</main>
<script>
setInterval(async () => {
  try {
    const page = new DOMParser().parseFromString(await (await fetch(location.href, { cache: 'no-store' })).text(), 'text/html');
    document.getElementById('main').replaceWith(page.getElementById('main'));
    document.getElementById('role').textContent = page.getElementById('role').textContent;
  } catch { /* the next tick tries again */ }
}, 1000);
</script>
</body></html>`;
}
