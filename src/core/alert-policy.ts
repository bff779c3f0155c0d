import { z } from 'zod';

/** What an alert means for the node it names. `ignore` keeps it out of health entirely. */
export const ALERT_CLASSES = ['down', 'drain', 'degraded', 'info', 'ignore'] as const;
export type AlertClass = (typeof ALERT_CLASSES)[number];

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name');

/** Compiled as Alertmanager anchors its matchers: `Kube.*` must match the whole value. */
const anchored = (source: string): RegExp => new RegExp(`^(?:${source})$`);

/** Checked in the schema, so a bad regex is reported together with every other problem. */
const regexSource = z.string().superRefine((source, ctx) => {
  try {
    anchored(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `"${source}" is not a valid regular expression (${error instanceof Error ? error.message : String(error)})` });
  }
});

const ruleSchema = z
  .object({
    name: z.string().min(1).optional(),
    match: z.record(labelName, z.string()).optional(),
    matchRegex: z.record(labelName, regexSource).optional(),
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

/** Matchers refer to label names by their position in AlertPolicy.labelNames. */
interface CompiledRule {
  readonly name: string;
  readonly equals: ReadonlyArray<readonly [number, string]>;
  readonly regexes: ReadonlyArray<readonly [number, RegExp]>;
  readonly cls: AlertClass;
}

export interface AlertPolicy {
  readonly nodeLabels: readonly string[];
  readonly failoverIpLabel: string | undefined;
  /** Every label name the rules look at: each alert's values are read once, then matched by position. */
  readonly labelNames: readonly string[];
  readonly rules: readonly CompiledRule[];
  readonly defaultClass: AlertClass;
  /**
   * Classes already computed, by label-set identity. The alert store keeps one label object per
   * alert for its lifetime, so each alert is classified once rather than on every pass. A
   * policy never changes after parsing, so the cache can never be stale.
   */
  readonly classified: WeakMap<object, AlertClass>;
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
  const labelNames: string[] = [];
  const position = (label: string): number => {
    const at = labelNames.indexOf(label);
    if (at >= 0) return at;
    labelNames.push(label);
    return labelNames.length - 1;
  };
  const rules = parsed.data.rules.map((rule, index): CompiledRule => {
    const regexes = Object.entries(rule.matchRegex ?? {}).map(([label, source]) => [position(label), anchored(source)] as const);
    return {
      name: rule.name ?? `rule-${index}`,
      equals: Object.entries(rule.match ?? {}).map(([label, value]) => [position(label), value] as const),
      regexes,
      cls: rule.class,
    };
  });
  return {
    ok: true,
    policy: {
      nodeLabels: parsed.data.nodeLabels,
      failoverIpLabel: parsed.data.failoverIpLabel,
      labelNames,
      rules,
      defaultClass: parsed.data.default,
      classified: new WeakMap(),
    },
  };
}

/** The class of one alert: the first rule whose matchers all hold, else the policy default. */
export function classifyAlert(labels: Readonly<Record<string, string>>, policy: AlertPolicy): AlertClass {
  const known = policy.classified.get(labels);
  if (known !== undefined) return known;
  const cls = matchRules(labels, policy);
  policy.classified.set(labels, cls);
  return cls;
}

function matchRules(labels: Readonly<Record<string, string>>, policy: AlertPolicy): AlertClass {
  // Read each label the rules use once, then match by position.
  const values = policy.labelNames.map((label) => labels[label] ?? '');
  rules: for (const rule of policy.rules) {
    for (const [at, value] of rule.equals) if (values[at] !== value) continue rules;
    for (const [at, re] of rule.regexes) if (!re.test(values[at] ?? '')) continue rules;
    return rule.cls;
  }
  return policy.defaultClass;
}
