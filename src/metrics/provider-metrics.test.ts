import { Registry } from 'prom-client';
import { createProviderMetrics } from './provider-metrics.js';

describe('createProviderMetrics', () => {
  it('exports request, duration and token metrics under their documented names', async () => {
    const registry = new Registry();
    const metrics = createProviderMetrics(registry);
    metrics.request('netcup', 'route', 202, 0.3);
    metrics.request('netcup', 'route', 'timeout', 15);
    metrics.tokenRefresh('netcup', 'success');
    metrics.tokenRefreshedAt('netcup', 1_795_000_000);
    const text = await registry.metrics();
    expect(text).toContain('ipshift_provider_requests_total{provider="netcup",operation="route",code="202"} 1');
    expect(text).toContain('ipshift_provider_requests_total{provider="netcup",operation="route",code="timeout"} 1');
    expect(text).toContain('ipshift_provider_request_duration_seconds_count{provider="netcup",operation="route"} 2');
    expect(text).toContain('ipshift_provider_request_duration_seconds_sum{provider="netcup",operation="route"} 15.3');
    expect(text).toContain('ipshift_provider_token_refresh_total{provider="netcup",result="success"} 1');
    expect(text).toContain('ipshift_provider_token_last_refresh_timestamp_seconds{provider="netcup"} 1795000000');
  });
});
