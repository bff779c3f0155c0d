/** The parts of netcup's SCP REST shapes (OpenAPI 2026.0204) the adapter and the emulator use. */

export interface ServerMinimal {
  readonly id: number;
  readonly name: string;
}

export interface Site {
  readonly id: number;
  readonly city: string;
}

export interface FailoverIPv4 {
  readonly id: number;
  readonly ip: string;
  readonly cidrSuffix: number;
  readonly editable: boolean;
  readonly site: Site;
  readonly server?: ServerMinimal | null;
}

export interface FailoverIPv6 {
  readonly id: number;
  readonly networkPrefix: string;
  readonly networkPrefixLength: number;
  readonly editable: boolean;
  readonly site: Site;
  readonly server?: ServerMinimal | null;
}

export type TaskState = 'PENDING' | 'RUNNING' | 'FINISHED' | 'ERROR' | 'WAITING_FOR_CANCEL' | 'CANCELED' | 'ROLLBACK';

export interface TaskInfo {
  readonly uuid: string;
  readonly name: string;
  readonly state: TaskState;
  readonly message?: string | null;
  readonly responseError?: { readonly code: string; readonly message: string } | null;
}

export interface ServerListMinimal {
  readonly id: number;
  readonly name: string;
  readonly hostname?: string | null;
  readonly nickname?: string | null;
  readonly disabled: boolean;
}

export const TASK_DONE: ReadonlySet<string> = new Set(['FINISHED']);
export const TASK_FAILED: ReadonlySet<string> = new Set(['ERROR', 'CANCELED', 'ROLLBACK', 'WAITING_FOR_CANCEL']);
