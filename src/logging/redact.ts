/**
 * Account identifiers in text that may reach a log line or the state page: provider API paths
 * carry them (netcup: /api/v1/users/<SCP user id>/failoverips/...). The text stays useful
 * (which call failed); the identifier does not leave the process.
 */
const ACCOUNT_PATHS = /(\/users\/)[^/\s"'?#\\]+/gi;

export function redactAccountIds(text: string): string {
  return text.replace(ACCOUNT_PATHS, '$1[redacted]');
}
