import type { ServerResponse } from 'node:http';
import { admit, type AdmissionPolicy } from '../support/admission-policy.js';
import { statusBody } from './http-handler.js';

export interface NodeWrite {
  readonly plural: string;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly subresource: string | undefined;
  /** The caller as the API server names it: system:node:<name>, system:serviceaccount:<ns>:<name>. */
  readonly username: string;
  readonly oldObject: unknown;
  readonly object: unknown;
}

/**
 * deploy/admission's ValidatingAdmissionPolicies in front of every Node write, as the API
 * server runs them after authorization (their CEL on a real CEL engine,
 * test/support/admission-policy.ts). Answers the 403 and returns false when a policy denies.
 */
export function admitNodeWrite(policies: readonly AdmissionPolicy[], res: Pick<ServerResponse, 'writeHead' | 'end'>, write: NodeWrite): boolean {
  if (write.plural !== 'nodes') return true;
  const denial = admit(policies, {
    operation: write.operation,
    resource: write.subresource === undefined ? 'nodes' : `nodes/${write.subresource}`,
    username: write.username,
    oldObject: write.oldObject,
    object: write.object,
  });
  if (denial === null) return true;
  const text = JSON.stringify(
    statusBody(
      403,
      `nodes is forbidden: ValidatingAdmissionPolicy '${denial.policy}' with binding '${denial.policy}' denied request: ${denial.message}`,
      'Forbidden',
    ),
  );
  res.writeHead(403, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
  return false;
}
