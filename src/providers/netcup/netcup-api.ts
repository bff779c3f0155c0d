import { z } from 'zod';

/**
 * The parts of netcup's SCP REST shapes (OpenAPI 2026.0204) the adapter reads. Unknown fields
 * are ignored, so the live API's extras (serverActionId, user, ...) do not break parsing.
 */

const serverMinimal = z.object({ id: z.number().int(), name: z.string().optional() });

export const failoverIPv4ListSchema = z.array(z.object({ id: z.number().int(), ip: z.string(), server: serverMinimal.nullable().optional() }));

export const failoverIPv6ListSchema = z.array(
  z.object({
    id: z.number().int(),
    networkPrefix: z.string(),
    networkPrefixLength: z.number().int(),
    server: serverMinimal.nullable().optional(),
  }),
);

export const TASK_STATES = ['PENDING', 'RUNNING', 'FINISHED', 'ERROR', 'WAITING_FOR_CANCEL', 'CANCELED', 'ROLLBACK'] as const;

export const taskInfoSchema = z.object({
  uuid: z.string().min(1),
  state: z.enum(TASK_STATES),
  message: z.string().nullable().optional(),
  responseError: z.object({ message: z.string().optional() }).nullable().optional(),
});
export type TaskInfo = z.infer<typeof taskInfoSchema>;

export const serverListSchema = z.array(z.object({ id: z.number().int(), name: z.string().optional() }));

export const TASK_FAILED: ReadonlySet<string> = new Set(['ERROR', 'CANCELED', 'ROLLBACK', 'WAITING_FOR_CANCEL']);
