/**
 * The subset of Kubernetes label and field selector syntax the adapter sends:
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, comma-separated.
 */
type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

export function parseLabelSelector(text: string | null): Requirement {
  if (text === null || text.trim() === '') return () => true;
  const requirements = splitTopLevel(text).map(parseRequirement);
  return (labels) => requirements.every((r) => r(labels));
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

function parseRequirement(part: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(part);
  if (set) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    return op === 'in' ? (l) => l[key] !== undefined && values.includes(l[key]) : (l) => l[key] === undefined || !values.includes(l[key]);
  }
  const ne = /^([^!=]+)!=(.*)$/.exec(part);
  if (ne) {
    const [, key = '', value] = ne;
    return (l) => l[key.trim()] !== value?.trim();
  }
  const eq = /^([^!=]+)==?(.*)$/.exec(part);
  if (eq) {
    const [, key = '', value] = eq;
    return (l) => l[key.trim()] === value?.trim();
  }
  if (part.startsWith('!')) return (l) => l[part.slice(1)] === undefined;
  return (l) => l[part] !== undefined;
}

/** Field selectors: only `metadata.name` and `metadata.namespace` (what the adapter uses). */
export function parseFieldSelector(text: string | null): (obj: { metadata: { name: string; namespace?: string } }) => boolean {
  if (text === null || text.trim() === '') return () => true;
  const checks = text.split(',').map((part) => {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(part.trim());
    if (!m) throw new Error(`unsupported field selector ${part}`);
    const [, field = '', op, value = ''] = m;
    const get = (o: { metadata: { name: string; namespace?: string } }): string | undefined =>
      field === 'metadata.name' ? o.metadata.name : field === 'metadata.namespace' ? o.metadata.namespace : undefined;
    if (field !== 'metadata.name' && field !== 'metadata.namespace') throw new Error(`unsupported field ${field}`);
    return op === '!='
      ? (o: { metadata: { name: string; namespace?: string } }) => get(o) !== value
      : (o: { metadata: { name: string; namespace?: string } }) => get(o) === value;
  });
  return (obj) => checks.every((c) => c(obj));
}
