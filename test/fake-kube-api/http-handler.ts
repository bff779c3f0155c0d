import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultLayer, type Fault } from '../../src/emulators/fault-layer.js';
import { applyMergePatch, isPlainObject } from './merge-patch.js';
import { admitNodeWrite } from './admission.js';
import type { AdmissionPolicy } from '../support/admission-policy.js';
import { authorize, forbiddenMessage, verbOf, type RbacObject, type ServiceAccountRef } from './rbac.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import {
  AlreadyExistsError,
  ConflictError,
  NotFoundError,
  RESOURCES,
  typeOf,
  type KubeObject,
  type ObjectStore,
  type ResourceType,
  type Watcher,
  type WatchEventType,
} from './store.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  /** The client's name: the bearer token, or the name a ServiceAccount token was issued for. */
  readonly user: string | undefined;
  /** The ServiceAccount the token belongs to; undefined for an unidentified caller. */
  readonly serviceAccount?: ServiceAccountRef;
}

/**
 * One injected fault: the next `times` requests that match get it. `status` alone is an HTTP
 * error (5xx, 401, 403, ...); `fault` is any fault of the shared layer (src/emulators/fault-layer.ts):
 * rate-limit with Retry-After, slow, hang, reset, or lose-answer (processed, then no answer).
 */
export interface FailureRule {
  readonly method?: string;
  /** Substring of (or pattern for) the request path. */
  readonly path?: string | RegExp;
  /** Only requests of this client (its bearer token). */
  readonly user?: string;
  readonly status?: number;
  readonly fault?: Fault;
  /** Only requests whose query string matches (e.g. /continue=/ for the later pages of a list). */
  readonly query?: RegExp;
  times?: number;
}

export interface HandlerState {
  readonly store: ObjectStore;
  readonly requests: RecordedRequest[];
  readonly failures: FailureRule[];
  readonly partitioned: Set<string>;
  readonly openWatches: Set<{ resource: string; res: ServerResponse; watcher?: Watcher }>;
  /** Runs the faults (hang, slow, reset, lose-answer) the shared way. */
  readonly faults: FaultLayer;
  /** ServiceAccount tokens the fake issued: token → the client's name and its ServiceAccount. */
  readonly tokens: Map<string, { readonly user: string; readonly serviceAccount: ServiceAccountRef }>;
  /** The Roles, ClusterRoles and bindings in force (deploy/'s by default). */
  rbac: readonly RbacObject[];
  /** Whether a caller without a ServiceAccount token may do anything (a test opts in) or nothing. */
  readonly unidentifiedCallers: 'full-access' | 'forbidden';
  /** Resources whose CRD is not installed: the API server answers 404 for their paths. */
  readonly unserved: Set<string>;
  /** Node credentials the fake issued: token → node name (user system:node:<name>, admission.ts). */
  readonly nodeTokens: Map<string, string>;
  /** The ValidatingAdmissionPolicies applied to Node writes (deploy/admission's by default). */
  readonly admission: readonly AdmissionPolicy[];
}

interface Route {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export const statusBody = (code: number, message: string, reason = REASONS[code] ?? 'Unknown'): Record<string, unknown> => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

/** Where a non-watch answer goes: straight to the client, or held back by the fault layer. */
type Out = Pick<ServerResponse, 'writeHead' | 'end'>;

function sendJson(res: Out, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const fail = (res: Out, code: number, message: string, reason?: string): void => sendJson(res, code, statusBody(code, message, reason));

interface Reply {
  code: number;
  headers: Record<string, string | number>;
  body: string;
}

/** An answer written into memory, sent (or not) when the fault layer says so. */
function capture(): Out & { readonly reply: Reply } {
  const reply: Reply = { code: 500, headers: {}, body: '' };
  const out = {
    reply,
    writeHead(code: number, headers?: Record<string, string | number>) {
      reply.code = code;
      reply.headers = { ...headers };
      return out;
    },
    end(text?: string) {
      reply.body = text ?? '';
      return out;
    },
  };
  return out as unknown as Out & { readonly reply: Reply };
}

function parseRoute(pathname: string): Route | null {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let apiVersion: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    apiVersion = 'v1';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    apiVersion = `${segments[1]}/${segments[2]}`;
    rest = segments.slice(3);
  } else return null;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = RESOURCES.find((r) => r.plural === rest[0] && r.apiVersion === apiVersion);
  if (type === undefined || rest.length > 3) return null;
  if (namespace !== undefined && !type.namespaced) return null;
  return { type, namespace, name: rest[1], subresource: rest[2] };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

function matchesRule(rule: FailureRule, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method !== method) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? path.includes(rule.path) : rule.path.test(path);
}

export async function handle(state: HandlerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  const auth = req.headers.authorization;
  const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
  const issued = token === undefined ? undefined : state.tokens.get(token);
  const user = issued?.user ?? token;
  const serviceAccount = issued?.serviceAccount;
  const node = token === undefined ? undefined : state.nodeTokens.get(token);
  const query = Object.fromEntries(url.searchParams.entries());
  state.requests.push({ method, path: url.pathname, query, contentType: req.headers['content-type'], user, ...(serviceAccount && { serviceAccount }) });

  if (user !== undefined && state.partitioned.has(user)) {
    fail(res, 503, 'the fake API server is partitioned from this client');
    return;
  }
  const ruleIndex = state.failures.findIndex(
    (r) => matchesRule(r, method, url.pathname) && (r.query === undefined || r.query.test(url.search)) && (r.user === undefined || r.user === user),
  );
  const rule = state.failures[ruleIndex];
  let fault: Fault | undefined;
  if (rule !== undefined) {
    rule.times = (rule.times ?? 1) - 1;
    if (rule.times <= 0) state.failures.splice(ruleIndex, 1);
    fault = rule.fault ?? { kind: 'fail', status: rule.status ?? 503 };
  }
  const watching = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  if (watching && (fault === undefined || fault.kind === 'lose-answer' || fault.kind === 'slow')) {
    // A stream has no single answer to lose or delay: a lost answer is a reset here.
    if (fault !== undefined) req.socket.destroy();
    else await answer(state, serviceAccount, method, url, req, res, node);
    return;
  }
  await state.faults.serve<Reply>(fault, {
    request: req,
    response: res,
    process: async () => {
      const out = capture();
      await answer(state, serviceAccount, method, url, req, out as unknown as ServerResponse, node);
      return out.reply;
    },
    send: (reply) => {
      if (res.destroyed) return;
      res.writeHead(reply.code, reply.headers);
      res.end(reply.body);
    },
    failReply: (status) => {
      const text = JSON.stringify(statusBody(status, `injected failure ${status}`));
      return { code: status, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }, body: text };
    },
    rateLimitReply: (retryAfterSeconds) => {
      const text = JSON.stringify(statusBody(429, 'too many requests, please try again later'));
      return {
        code: 429,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Retry-After': String(retryAfterSeconds) },
        body: text,
      };
    },
  });
}

async function answer(
  state: HandlerState,
  serviceAccount: ServiceAccountRef | undefined,
  method: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  node?: string,
): Promise<void> {
  if (url.pathname === '/version') {
    sendJson(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64' });
    return;
  }
  const route = parseRoute(url.pathname);
  if (route === null || state.unserved.has(route.type.plural)) {
    fail(res, 404, `the server could not find the requested resource (${url.pathname})`);
    return;
  }
  const refusal = forbidden(state, serviceAccount, route, method, url.searchParams, node);
  if (refusal !== undefined) {
    sendJson(res, 403, { ...statusBody(403, refusal.message), details: refusal.details });
    return;
  }
  try {
    const username =
      node !== undefined
        ? `system:node:${node}`
        : serviceAccount !== undefined
          ? `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`
          : 'system:anonymous';
    await dispatch(state, route, method, url.searchParams, req, res, username);
  } catch (error) {
    if (error instanceof NotFoundError) fail(res, 404, error.message);
    else if (error instanceof ConflictError) fail(res, 409, error.message, 'Conflict');
    else if (error instanceof AlreadyExistsError) fail(res, 409, error.message, 'AlreadyExists');
    else if (error instanceof SyntaxError) fail(res, 400, `bad JSON: ${error.message}`);
    else fail(res, 500, error instanceof Error ? error.message : String(error));
  }
}

/** The authorizer: undefined when the caller may make the request, else what the 403 says. */
function forbidden(
  state: HandlerState,
  serviceAccount: ServiceAccountRef | undefined,
  route: Route,
  method: string,
  params: URLSearchParams,
  node?: string,
): { message: string; details: Record<string, string> } | undefined {
  const watching = params.get('watch') === 'true' || params.get('watch') === '1';
  const attrs = {
    verb: verbOf(method, route.name !== undefined, watching),
    apiGroup: route.type.apiVersion.includes('/') ? (route.type.apiVersion.split('/')[0] ?? '') : '',
    resource: route.type.plural,
    ...(route.subresource !== undefined && { subresource: route.subresource }),
    ...(route.namespace !== undefined && { namespace: route.namespace }),
    ...(route.name !== undefined && { name: route.name }),
  };
  const details = { kind: route.type.plural, ...(route.name !== undefined && { name: route.name }) };
  if (node !== undefined) {
    // The Node authorizer, as far as Nodes go: read any, write only its own (and its status).
    const own =
      route.type.plural === 'nodes' && (['get', 'list', 'watch'].includes(attrs.verb) || (route.name === node && ['update', 'patch'].includes(attrs.verb)));
    return own
      ? undefined
      : { message: `${attrs.resource} is forbidden: User "system:node:${node}" cannot ${attrs.verb} resource "${attrs.resource}"`, details };
  }
  if (serviceAccount === undefined) {
    if (state.unidentifiedCallers === 'full-access') return undefined;
    return { message: `${attrs.resource} is forbidden: User "system:anonymous" cannot ${attrs.verb} resource "${attrs.resource}"`, details };
  }
  if (authorize(state.rbac, serviceAccount, attrs)) return undefined;
  return { message: forbiddenMessage(serviceAccount, attrs), details };
}

async function dispatch(
  state: HandlerState,
  route: Route,
  method: string,
  params: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
  username = 'system:anonymous',
): Promise<void> {
  const { type, namespace, name, subresource } = route;
  const { store } = state;
  if (subresource !== undefined && !(subresource === 'status' && type.statusSubresource)) {
    fail(res, 404, `no subresource ${subresource} on ${type.plural}`);
    return;
  }
  if (name === undefined) {
    if (method === 'GET') {
      const labels = parseLabelSelector(params.get('labelSelector'));
      const fields = parseFieldSelector(params.get('fieldSelector'));
      const matches = (o: KubeObject): boolean =>
        (namespace === undefined || o.metadata.namespace === namespace) && labels(o.metadata.labels ?? {}) && fields(o);
      if (params.get('watch') === 'true' || params.get('watch') === '1') {
        serveWatch(state, type, matches, params, req, res);
        return;
      }
      const page = store.listPage(type.plural, namespace, matches, Number(params.get('limit') ?? 0), params.get('continue'));
      if (page === null) {
        fail(res, 410, 'The provided continue parameter is too old to display a consistent list result.', 'Expired');
        return;
      }
      const { items, resourceVersion } = page;
      sendJson(res, 200, {
        apiVersion: type.apiVersion,
        kind: `${type.kind}List`,
        metadata: { resourceVersion, ...(page.continue === undefined ? {} : { continue: page.continue }) },
        items,
      });
      return;
    }
    if (method === 'POST') {
      const body = (await readBody(req)) as KubeObject;
      if (!isPlainObject(body) || !isPlainObject(body.metadata)) throw new SyntaxError('object expected');
      if (type.namespaced) body.metadata.namespace = namespace;
      const generateName = body.metadata['generateName'];
      if ((body.metadata.name === undefined || body.metadata.name === '') && typeof generateName === 'string') {
        body.metadata.name = `${generateName}${Math.random().toString(36).slice(2, 7)}`;
      }
      if (typeof body.metadata.name !== 'string' || body.metadata.name === '') {
        fail(res, 422, 'metadata.name: Required value', 'Invalid');
        return;
      }
      if (!admitNodeWrite(state.admission, res, { plural: type.plural, operation: 'CREATE', subresource, username, oldObject: null, object: body })) return;
      sendJson(res, 201, store.create(type.plural, body));
      return;
    }
    fail(res, 405, `method ${method} not allowed on a collection`, 'MethodNotAllowed');
    return;
  }

  const current = (): KubeObject => {
    const found = store.get(type.plural, namespace, name);
    if (found === undefined) throw new NotFoundError(`${type.plural} "${name}" not found`);
    return found;
  };
  switch (method) {
    case 'GET':
      sendJson(res, 200, current());
      return;
    case 'DELETE':
      if (!admitNodeWrite(state.admission, res, { plural: type.plural, operation: 'DELETE', subresource, username, oldObject: current(), object: null }))
        return;
      sendJson(res, 200, store.delete(type.plural, namespace, name));
      return;
    case 'PUT': {
      const body = (await readBody(req)) as KubeObject;
      if (!isPlainObject(body) || !isPlainObject(body.metadata)) throw new SyntaxError('object expected');
      const now = current();
      const next = mergeSubresource(type, subresource, now, { ...body, metadata: { ...body.metadata, name, namespace } });
      if (!admitNodeWrite(state.admission, res, { plural: type.plural, operation: 'UPDATE', subresource, username, oldObject: now, object: next })) return;
      sendJson(res, 200, store.replace(type.plural, next, body.metadata.resourceVersion));
      return;
    }
    case 'PATCH': {
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
      if (contentType !== 'application/merge-patch+json') {
        fail(res, 415, `the fake API server supports only merge patch, got ${contentType}`);
        return;
      }
      const patch = await readBody(req);
      if (!isPlainObject(patch)) throw new SyntaxError('a merge patch must be an object');
      const now = current();
      const patched = applyMergePatch(now, patch) as KubeObject;
      patched.metadata = { ...patched.metadata, name, namespace: now.metadata.namespace };
      const expected = isPlainObject(patch['metadata']) ? patch['metadata']['resourceVersion'] : undefined;
      const next = mergeSubresource(type, subresource, now, patched);
      if (!admitNodeWrite(state.admission, res, { plural: type.plural, operation: 'UPDATE', subresource, username, oldObject: now, object: next })) return;
      sendJson(res, 200, store.replace(type.plural, next, typeof expected === 'string' ? expected : undefined));
      return;
    }
    default:
      fail(res, 405, `method ${method} not allowed`, 'MethodNotAllowed');
  }
}

/** With a status subresource, the main endpoint cannot change status and `/status` can change nothing else. */
function mergeSubresource(type: ResourceType, subresource: string | undefined, current: KubeObject, next: KubeObject): KubeObject {
  if (!type.statusSubresource) return next;
  if (subresource === 'status') return { ...current, status: next['status'] };
  const result: KubeObject = { ...next };
  if (current['status'] === undefined) delete result['status'];
  else result['status'] = current['status'];
  return result;
}

function serveWatch(
  state: HandlerState,
  type: ResourceType,
  matches: (o: KubeObject) => boolean,
  params: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const { store } = state;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  // The API server answers a watch at once, before any event: a quiet watch is answered, not hanging.
  res.flushHeaders();
  const write = (eventType: string, object: unknown): void => {
    if (res.writableEnded || res.destroyed) return;
    res.write(`${JSON.stringify({ type: eventType, object })}\n`);
  };
  const from = params.get('resourceVersion');
  if (from === null || from === '' || from === '0') {
    for (const obj of store.list(type.plural).filter(matches)) write('ADDED', obj);
  } else {
    const events = store.eventsSince(type.plural, Number(from));
    if (events === null) {
      write('ERROR', statusBody(410, `too old resource version: ${from} (${store.currentVersion()})`, 'Expired'));
      res.end();
      return;
    }
    for (const event of events) if (matches(event.object)) write(event.type, event.object);
  }
  const entry: { resource: string; res: ServerResponse; watcher?: Watcher } = { resource: type.plural, res };
  const watcher: Watcher = {
    resource: type.plural,
    matches,
    send: (eventType: WatchEventType, obj: KubeObject) => write(eventType, obj),
  };
  entry.watcher = watcher;
  store.watchers.add(watcher);
  state.openWatches.add(entry);
  const timeoutSeconds = Number(params.get('timeoutSeconds') ?? '0');
  const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
  const cleanup = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    store.watchers.delete(watcher);
    state.openWatches.delete(entry);
  };
  res.on('close', cleanup);
  req.on('close', cleanup);
}

export { typeOf };
