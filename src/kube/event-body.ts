import type { CoreV1Api } from '@kubernetes/client-node';

type EventBody = Parameters<CoreV1Api['createNamespacedEvent']>[0]['body'];

const COMPONENT = 'ipshift-controller';
/** The API server rejects longer Event messages. */
const MAX_EVENT_MESSAGE = 1024;

/** One core/v1 Event as ipshift writes it, on a FailoverIP or a Service alike (the reason already in its CamelCase form). */
export function eventBody(
  involved: { readonly apiVersion: string; readonly kind: string; readonly namespace: string; readonly name: string; readonly uid?: string | undefined },
  type: string,
  reason: string,
  message: string,
  instance: string,
  now: Date,
): EventBody {
  return {
    metadata: { generateName: `${involved.name}.`, namespace: involved.namespace },
    involvedObject: {
      apiVersion: involved.apiVersion,
      kind: involved.kind,
      namespace: involved.namespace,
      name: involved.name,
      ...(involved.uid === undefined || involved.uid === '' ? {} : { uid: involved.uid }),
    },
    type,
    reason,
    message: message.length > MAX_EVENT_MESSAGE ? `${message.slice(0, MAX_EVENT_MESSAGE - 3)}...` : message,
    source: { component: COMPONENT },
    reportingComponent: `ipshift.dev/${COMPONENT}`,
    reportingInstance: instance,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}
