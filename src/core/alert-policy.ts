import { z } from 'zod';

/** What an alert means for the node it names. `ignore` keeps it out of health entirely. */
export const ALERT_CLASSES = ['down', 'drain', 'degraded', 'info', 'ignore'] as const;
export type AlertClass = (typeof ALERT_CLASSES)[number];

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name');

const ruleSchema = z
  .object({
    name: z.string().min(1).optional(),
    match: z.record(labelName, z.string()).optional(),
    matchRegex: z.record(labelName, z.string()).optional(),
    class: z.enum(ALERT_CLASSES),
  })
  .strict()
  .refine((rule) => Object.keys(rule.match ?? {}).length + Object.keys(rule.matchRegex ?? {}).length > 0, {
    message: 'a rule needs at least one label in match or matchRegex',
  });

export const alertPolicySchema = z
  .object({
    /** Labels tried, in order, after `node` and `instance`, to find the node an alert is about. */
    nodeLabels: z.array(labelName).default([]),
    /** Label naming a FailoverIP (name, namespace/name or address): the alert is about its holder. */
    failoverIpLabel: labelName.optional(),
    rules: z.array(ruleSchema).default([]),
    /** Class of an alert no rule matches. */
    default: z.enum(ALERT_CLASSES).default('ignore'),
  })
  .strict();

export type AlertPolicyDocument = z.input<typeof alertPolicySchema>;

interface CompiledRule {
  readonly name: string;
  readonly equals: ReadonlyArray<readonly [string, string]>;
  readonly regexes: ReadonlyArray<readonly [string, RegExp]>;
  readonly cls: AlertClass;
}

export interface AlertPolicy {
  readonly nodeLabels: readonly string[];
  readonly failoverIpLabel: string | undefined;
  readonly rules: readonly CompiledRule[];
  readonly defaultClass: AlertClass;
}

export type PolicyResult = { ok: true; policy: AlertPolicy } | { ok: false; errors: string[] };

/**
 * Validates a policy document (already parsed from YAML) and compiles its regexes.
 * Regexes are anchored like Alertmanager matchers: `Kube.*` must match the whole value.
 * Every error names the path, the value and the rule.
 */
export function parseAlertPolicy(document: unknown): PolicyResult {
  const parsed = alertPolicySchema.safeParse(document);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    };
  }
  const errors: string[] = [];
  const rules = parsed.data.rules.map((rule, index): CompiledRule => {
    const regexes: Array<readonly [string, RegExp]> = [];
    for (const [label, source] of Object.entries(rule.matchRegex ?? {})) {
      try {
        regexes.push([label, new RegExp(`^(?:${source})$`)]);
      } catch (error) {
        errors.push(`rules.${index}.matchRegex.${label}: "${source}" is not a valid regular expression (${(error as Error).message})`);
      }
    }
    return {
      name: rule.name ?? `rule-${index}`,
      equals: Object.entries(rule.match ?? {}),
      regexes,
      cls: rule.class,
    };
  });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    policy: {
      nodeLabels: parsed.data.nodeLabels,
      failoverIpLabel: parsed.data.failoverIpLabel,
      rules,
      defaultClass: parsed.data.default,
    },
  };
}

/** The class of one alert: the first rule whose matchers all hold, else the policy default. */
export function classifyAlert(labels: Readonly<Record<string, string>>, policy: AlertPolicy): AlertClass {
  for (const rule of policy.rules) {
    if (rule.equals.every(([label, value]) => (labels[label] ?? '') === value) && rule.regexes.every(([label, re]) => re.test(labels[label] ?? ''))) {
      return rule.cls;
    }
  }
  return policy.defaultClass;
}
