import type { State } from './state.js';

const escape = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const TIER_COLOUR: Record<string, string> = { healthy: '#1a7f37', degraded: '#9a6700', drain: '#bc4c00', down: '#cf222e', ineligible: '#6e7781' };

function ago(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  return `${Math.round(seconds / 3600)}h ago`;
}

function failoverIPRows(state: State): string {
  if (state.failoverIPs.length === 0) return '<tr><td colspan="7">No FailoverIP objects yet.</td></tr>';
  return state.failoverIPs
    .map((f) => {
      const d = f.lastDecision;
      const cooldown = f.cooldownRemainingSeconds > 0 ? `${f.cooldownRemainingSeconds}s` : '—';
      return `<tr data-failover-ip="${escape(`${f.namespace}/${f.name}`)}">
  <td><b>${escape(f.namespace)}/${escape(f.name)}</b><br><small>${escape(f.provider)}${f.paused ? ' · <b>paused</b>' : ''}</small></td>
  <td><code>${f.addresses.map(escape).join('<br>')}</code></td>
  <td class="holder"><b>${escape(f.assignedNode ?? 'unrouted')}</b>${f.moveInFlight ? ' <span class="pill move">moving…</span>' : ''}</td>
  <td>${escape(f.desiredNode ?? '—')}</td>
  <td>${d === null ? '—' : `<span class="pill ${escape(d.outcome)}">${escape(d.outcome)}</span> <code>${escape(d.reason)}</code><br><small>${escape(d.message)}</small>`}</td>
  <td>${cooldown}</td>
  <td>${escape(f.lastMoveTime === null ? 'never' : ago(f.lastMoveTime, Date.parse(state.generatedAt ?? '')))}</td>
</tr>`;
    })
    .join('\n');
}

function nodeRows(state: State): string {
  if (state.nodes.length === 0) return '<tr><td colspan="5">No nodes seen yet.</td></tr>';
  return state.nodes
    .map((n) => {
      const colour = TIER_COLOUR[n.tier] ?? '#6e7781';
      const alerts = n.alerts.map((a) => `<span class="pill ${escape(a.class)}">${escape(a.alertname)} (${escape(a.class)})</span>`).join(' ');
      return `<tr data-node="${escape(n.name)}" class="tier-${escape(n.tier)}">
  <td><span class="dot" style="background:${colour}"></span><b>${escape(n.name)}</b><br><small>${n.addresses.map(escape).join(', ')}</small></td>
  <td style="color:${colour}"><b>${escape(n.tier)}</b></td>
  <td>${n.issues.length === 0 ? '—' : n.issues.map((i) => `<code>${escape(i)}</code>`).join(' ')}</td>
  <td>${alerts === '' ? '—' : alerts}</td>
  <td>${n.holds.length === 0 ? '—' : n.holds.map(escape).join('<br>')}${n.eligible ? '' : '<br><small>not eligible</small>'}</td>
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ipshift</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
header{background:#24292f;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:18px;margin:0}.banner{background:#fff8c5;border-bottom:1px solid #d4a72c;padding:8px 20px}
main{padding:16px 20px}section{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin-bottom:16px;padding:12px}
h2{font-size:15px;margin:0 0 8px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-top:1px solid #eaeef2;vertical-align:top}
th{font-size:12px;color:#57606a;border-top:0}.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#eaeef2}
.pill.move,.pill.success,.pill.keep{background:#dafbe1}.pill.wait-cooldown,.pill.wait-grace,.pill.degraded,.pill.info{background:#fff8c5}
.pill.no-eligible-node,.pill.failure,.pill.down,.pill.rate-limited{background:#ffebe9}.pill.paused,.pill.drain{background:#fbefff}
tr.tier-down td{background:#fff5f5}small{color:#57606a}ul{margin:0;padding-left:18px}
</style></head>
<body>
<header><h1>ipshift</h1><span id="role">${state.leader ? 'leader' : 'follower'}</span><span>${state.sandbox ? 'SANDBOX' : ''}</span></header>
${state.sandbox ? '<div class="banner">This is the sandbox: a simulated 3-node cluster and the built-in netcup emulator. Nothing real is moved.</div>' : ''}
<main id="main">
<section><h2>Failover IPs</h2><table><thead><tr><th>FailoverIP</th><th>Addresses</th><th>Holder</th><th>Desired</th><th>Last decision</th><th>Cooldown left</th><th>Last move</th></tr></thead>
<tbody>${failoverIPRows(state)}</tbody></table></section>
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
