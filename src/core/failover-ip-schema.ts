import { z } from 'zod';
import { checkFailoverAddress, IPV6_FAILOVER_PREFIX } from './address.js';
import { ADDRESS_CEL_RULES, DOCUMENTATION_CEL_RULE, IPV6_PROVIDER_CEL_RULE } from './address-cel.js';
import { HOLDER_LABEL_CEL_RULE } from './holder-label.js';

/**
 * The FailoverIP resource, once: the CRD's OpenAPI schema (scripts/crd.ts renders
 * deploy/crd-failoverip.yaml and docs/crd-reference.md from it), the TypeScript types of
 * model.ts (inferred from it) and the conversion of API objects (src/kube/convert.ts parses
 * with it). A description is required on every field: it is what `kubectl explain` shows.
 * Kubernetes-only keywords (x-kubernetes-*, format, default) travel as zod metadata.
 */

export const PROVIDER_TYPES = ['netcup', 'hetzner-cloud', 'hetzner-robot', 'digitalocean', 'dry-run'] as const;

/** What a cordoned holder means for one FailoverIP (spec.policy.onCordon). */
export const ON_CORDON = ['move', 'grace', 'keep'] as const;

export const CONDITION_TYPES = ['Accepted', 'Ready', 'Routed', 'Degraded', 'Blocked'] as const;

/**
 * Syntax only: a dotted quad with an optional /32, or an IPv6 address with a prefix length.
 * Leading zeros are refused (01.2.3.4 is octal to some parsers). RE2-compatible, as the API
 * server evaluates it with Go's regexp.
 */
const ADDRESS_PATTERN =
  /^(?:(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\/32)?|(?:(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|(?:[0-9a-fA-F]{1,4}:){1,7}:|(?:[0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|(?:[0-9a-fA-F]{1,4}:){1,5}(?::[0-9a-fA-F]{1,4}){1,2}|(?:[0-9a-fA-F]{1,4}:){1,4}(?::[0-9a-fA-F]{1,4}){1,3}|(?:[0-9a-fA-F]{1,4}:){1,3}(?::[0-9a-fA-F]{1,4}){1,4}|(?:[0-9a-fA-F]{1,4}:){1,2}(?::[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:(?::[0-9a-fA-F]{1,4}){1,6}|:(?:(?::[0-9a-fA-F]{1,4}){1,7}|:))\/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))$/;

const seconds = (description: string) => z.int().min(0).optional().meta({ description });
const time = (description: string) => z.iso.datetime({ offset: true }).nullable().optional().meta({ description });

const labelSelectorRequirement = z
  .object({
    key: z.string().min(1).max(317).meta({ description: 'The label key the requirement applies to.' }),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).meta({ description: "How the key's value is compared with `values`." }),
    values: z
      .array(z.string().max(63).meta({ description: 'One label value.' }))
      .max(64)
      .optional()
      .meta({ description: 'The values for In and NotIn; must be empty for Exists and DoesNotExist.' }),
  })
  .refine((r) => (r.operator === 'In' || r.operator === 'NotIn' ? (r.values?.length ?? 0) > 0 : (r.values?.length ?? 0) === 0), {
    message: 'In and NotIn need values; Exists and DoesNotExist take none.',
  })
  .meta({
    description: 'One requirement: the label `key` with `operator` and `values`.',
    'x-kubernetes-validations': [
      {
        rule: "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0 : !has(self.values) || size(self.values) == 0",
        message: 'In and NotIn need values; Exists and DoesNotExist take none.',
      },
    ],
  });

const selectorFields = (what: string) => ({
  matchLabels: z
    .record(z.string(), z.string().max(63).meta({ description: 'The label value.' }))
    .optional()
    .meta({ description: `Labels ${what} must carry, each with exactly this value.` }),
  matchExpressions: z
    .array(labelSelectorRequirement)
    .max(32)
    .optional()
    .meta({ description: `Requirements ${what} must meet, all of them (AND).` }),
});

const labelSelector = z.object(selectorFields('a node')).meta({
  description:
    'A standard label selector over Nodes; absent or empty selects every node. Nodes labelled node.kubernetes.io/exclude-from-external-load-balancers are never eligible.',
  'x-kubernetes-map-type': 'atomic',
});

const podSelector = z
  .object({
    namespace: z.string().min(1).max(63).meta({ description: 'The namespace of the pods.' }),
    ...selectorFields('the pod'),
  })
  .meta({
    description: 'A node is eligible only while it runs a Ready pod in `namespace` that matches the selector (put the IP where the ingress controller runs).',
    'x-kubernetes-map-type': 'atomic',
  });

/** A namespace name (RFC 1123 label), or `*` for every namespace. */
const NAMESPACE_OR_ANY = /^(?:\*|[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;

const serviceAllocation = z
  .object({
    namespaces: z
      .array(z.string().max(63).regex(NAMESPACE_OR_ANY).meta({ description: 'A namespace name, or * for every namespace.' }))
      .min(1)
      .max(64)
      .meta({
        description:
          'The namespaces whose Services may use this FailoverIP, by annotation or as a free one; * allows every namespace. A Service elsewhere that names it is refused with a Warning Event.',
        'x-kubernetes-list-type': 'set',
      }),
    serviceSelector: z.object(selectorFields('the Service')).optional().meta({
      description: 'Only Services with these labels may use this FailoverIP; absent or empty: every Service in `namespaces`.',
      'x-kubernetes-map-type': 'atomic',
    }),
  })
  .meta({
    description:
      'Opts this FailoverIP into serving one LoadBalancer Service of class ipshift.dev/failover-ip: the Service named by its ipshift.dev/failover-ip annotation, or else the oldest Service that needs a free FailoverIP and that these rules allow. Absent: it serves no Service.',
  });

const policy = z
  .object({
    cooldownSeconds: seconds("Minimum time between two moves, in seconds; default the provider's own minimum (netcup 300)."),
    gracePeriodSeconds: seconds('How long a degraded but serving holder keeps the IP before a move, in seconds; default 60.'),
    spread: z.boolean().optional().meta({ description: 'Prefer nodes that hold no other FailoverIP.', default: true }),
    onCordon: z.enum(ON_CORDON).optional().meta({
      description:
        'What a cordon (spec.unschedulable) of the holder means. move (default): move at once, as before a drain and reboot; the move costs no traffic, unlike a load balancer that stops announcing (MetalLB #2470: cordon is no rebooting-soon signal, so do not stop serving on it). grace: move after gracePeriodSeconds, like a degraded holder. keep: a cordon changes nothing for this FailoverIP, neither on the holder nor on candidates.',
      default: 'move',
    }),
  })
  .meta({ description: 'How and when the IP moves.' });

/** A DNS name as external-dns takes it: lower-case labels, no trailing dot (RFC 1123). */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

const dnsName = (description: string) => z.string().max(253).regex(DNS_NAME).meta({ description });

export const NODE_ADDRESS_TYPES = ['ExternalIP', 'InternalIP'] as const;

const dns = z
  .object({
    hostname: dnsName('The name whose A (IPv4) and AAAA (IPv6) records point at the failover addresses, e.g. ingress.example.com.'),
    ttl: z.int().min(1).max(86_400).optional().meta({ description: "The records' TTL in seconds; absent: the DNS provider's default." }),
    nodeRecords: z
      .object({
        hostname: dnsName('The name whose records list the healthy eligible nodes, e.g. nodes.ingress.example.com.'),
        addressType: z.enum(NODE_ADDRESS_TYPES).optional().meta({ description: "Which of the Nodes' status.addresses are published.", default: 'ExternalIP' }),
      })
      .optional()
      .meta({
        description:
          "Also publish the addresses of the nodes that are eligible and healthy right now (as flipop's NodeDNSRecordSet); a node that turns unhealthy, is cordoned or stops being eligible leaves the record. No such node: no record.",
      }),
  })
  .meta({
    description:
      'Publish DNS records through external-dns: the controller keeps a DNSEndpoint (externaldns.k8s.io/v1alpha1) named ipshift-<name>, owned by this FailoverIP, in its namespace. Needs the DNSEndpoint CRD and external-dns with --source=crd (docs/dns.md).',
  });

/** How a service check before routing connects to the target node (spec.check.service). */
export const SERVICE_CHECK_PROTOCOLS = ['TCP', 'HTTP'] as const;

const check = z
  .object({
    service: z
      .object({
        port: z
          .int()
          .min(1)
          .max(65535)
          .meta({ description: "The port on the target node's own addresses (InternalIP, then ExternalIP), e.g. the ingress's 443." }),
        protocol: z.enum(SERVICE_CHECK_PROTOCOLS).optional().meta({
          description: 'TCP: a connect that is accepted passes. HTTP: a plain-HTTP GET of `path` that answers below 400 passes.',
          default: 'TCP',
        }),
        path: z.string().min(1).max(1024).startsWith('/').optional().meta({ description: 'The path an HTTP check GETs (default /); HTTP only.' }),
      })
      .refine((service) => service.path === undefined || service.protocol === 'HTTP', { message: 'path needs protocol HTTP.' })
      .meta({
        description:
          'Besides the identity probe, the target must pass this check before the addresses are routed to it; one that does not is passed over for the next candidate for 60 s.',
        'x-kubernetes-validations': [{ rule: "!has(self.path) || (has(self.protocol) && self.protocol == 'HTTP')", message: 'path needs protocol HTTP.' }],
      })
      .optional(),
    confirmSeconds: z.int().min(1).max(600).optional().meta({
      description:
        "After a move, how long the failover address may take to answer ipshift's identity probe with the new holder's name before the FailoverIP is Degraded (reason MoveUnconfirmed); default 30.",
      default: 30,
    }),
  })
  .meta({
    description:
      "Checked moves. With ipshift's node probe on (IPSHIFT_NODE_PROBE_PORT), a target must always answer the agent's identity probe before routing, and the failover address must answer from the new holder after it; this adds a service check and sets the bound.",
  });

export const failoverIPSpecSchema = z
  .object({
    addresses: z
      .array(
        z
          .string()
          .max(64)
          .regex(ADDRESS_PATTERN)
          .superRefine((text, ctx) => {
            // Documentation ranges pass here: admission refuses them (DOCUMENTATION_CEL_RULE), and
            // the tests and the sandbox, which have no admission, use them.
            const verdict = checkFailoverAddress(text, { allowDocumentation: true });
            if (!verdict.ok) ctx.addIssue({ code: 'custom', message: verdict.detail });
          })
          .meta({
            description: `One address: IPv4 as 198.51.100.1 or 198.51.100.1/32, IPv6 as a /${IPV6_FAILOVER_PREFIX} prefix (2001:db8:1::/64) or, for DigitalOcean's reserved IPv6, one address as /128 (2001:db8::5/128); global unicast only.`,
            'x-kubernetes-validations': ADDRESS_CEL_RULES,
          }),
      )
      .min(1)
      .max(64)
      .meta({
        description:
          'Addresses that move together: IPv4 addresses (198.51.100.1 or 198.51.100.1/32) and IPv6 /64 prefixes (2001:db8:1::/64), or DigitalOcean reserved IPv6 addresses as /128, global unicast only. DigitalOcean allows one reserved IP per Droplet: put one IPv4 (and at most one IPv6) address in a DigitalOcean FailoverIP. The rules need Kubernetes 1.31 or later (the CEL IP and CIDR libraries).',
        'x-kubernetes-list-type': 'set',
      }),
    provider: z
      .object({
        type: z.enum(PROVIDER_TYPES).meta({ description: 'The provider whose API routes the addresses; dry-run routes nothing and only records.' }),
        secretRef: z
          .object({ name: z.string().min(1).max(253).meta({ description: 'The name of the Secret.' }) })
          .meta({ description: "The Secret with the provider's credentials, in the FailoverIP's namespace." }),
      })
      .meta({ description: 'Who routes the addresses, and with which credentials.' }),
    nodeSelector: labelSelector.optional(),
    podSelector: podSelector.optional(),
    policy: policy.optional(),
    check: check.optional(),
    paused: z.boolean().optional().meta({ description: 'Freeze moves (maintenance); the status still updates.', default: false }),
    dns: dns.optional(),
    serviceAllocation: serviceAllocation.optional(),
    holderLabel: z.boolean().optional().meta({
      description:
        'Label the node that holds the IP with ipshift.dev/holds-<FailoverIP name>=true (for a Cilium egress gateway nodeSelector or node affinity): set on the new holder before the provider move, removed from the old one after it succeeded, removed again when a move fails. Needs a name of at most 57 characters.',
      default: false,
    }),
  })
  .superRefine((spec, ctx) => {
    // The provider's IPv6 length, as IPV6_PROVIDER_CEL_RULE says at admission.
    for (const [i, text] of spec.addresses.entries()) {
      const verdict = checkFailoverAddress(text, { allowDocumentation: true, provider: spec.provider.type });
      if (!verdict.ok && verdict.reason === 'prefix-length') ctx.addIssue({ code: 'custom', path: ['addresses', i], message: verdict.detail });
    }
  })
  .meta({ description: 'What to keep routed, by whom, to which nodes.', 'x-kubernetes-validations': [DOCUMENTATION_CEL_RULE, IPV6_PROVIDER_CEL_RULE] });

const lastDecision = z
  .object({
    outcome: z.string().meta({ description: 'What the controller did: keep, move, wait-cooldown, wait-grace, no-eligible-node or paused.' }),
    reason: z.string().meta({ description: 'Why, as a reason code (holder-down, holder-healthiest, ...); the same code as in logs and metrics.' }),
    message: z.string().meta({ description: 'The decision in words.' }),
    time: z.iso.datetime({ offset: true }).meta({ description: 'When the decision was taken.' }),
  })
  .meta({ description: 'The last decision of the controller about this FailoverIP.' });

const statusCondition = z
  .object({
    type: z.enum(CONDITION_TYPES).meta({ description: 'The aspect of the FailoverIP this condition reports.' }),
    status: z.enum(['True', 'False', 'Unknown']).meta({ description: 'Whether the condition holds.' }),
    reason: z.string().meta({ description: 'Why, in CamelCase (for example HolderDown).' }),
    message: z.string().meta({ description: 'The condition in words.' }),
    lastTransitionTime: z.iso.datetime({ offset: true }).meta({ description: 'When `status` last changed.' }),
    observedGeneration: z.int().min(0).optional().meta({ description: 'The metadata.generation the condition was computed for.' }),
  })
  .meta({ description: 'One condition, in the shape of the standard metav1.Condition.' });

/**
 * Status is ours (written by the controller through the status subresource), but a hand edit
 * or an older version may have left anything: each field is validated on its own, and a bad one
 * reads as absent rather than as a value of the wrong shape.
 */
const tolerant = <T extends z.ZodType>(schema: T) => schema.catch(undefined as never);

export const failoverIPStatusSchema = z
  .object({
    assignedNode: tolerant(z.string().nullable().optional().meta({ description: 'Where the provider reports the addresses are routed.' })),
    desiredNode: tolerant(z.string().nullable().optional().meta({ description: 'Where the last decision wants the addresses.' })),
    lastMoveTime: tolerant(time('When the controller last asked the provider to move the addresses.')),
    nextMoveAllowedAt: tolerant(time('When the cooldown ends and the next move may start; null while no cooldown runs.')),
    providerBlockedUntil: tolerant(
      time(
        "Until when the provider refused moves of these addresses (a 429's Retry-After, a per-IP limit): kept here so that the next leader waits for it too; null when no block runs.",
      ),
    ),
    lastSyncAttempt: tolerant(time("When the controller last tried to read the provider's routing.")),
    lastSyncSuccess: tolerant(time("When the controller last read the provider's routing.")),
    observedGeneration: tolerant(z.int().min(0).optional().meta({ description: 'The metadata.generation this status was computed for.' })),
    lastDecision: tolerant(lastDecision.optional()),
    conditions: tolerant(
      z
        .array(statusCondition)
        .optional()
        .meta({
          description: 'Accepted, Ready, Routed, Degraded and Blocked, as standard conditions (see docs/crd-reference.md).',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
        }),
    ),
  })
  .meta({ description: 'What the controller observed and decided; written by the controller only.' });

/** The whole object as the CRD's openAPIV3Schema describes it. */
export const failoverIPResourceSchema = z
  .object({
    apiVersion: z.string().optional().meta({ description: 'The versioned schema of this object (ipshift.dev/v1alpha1).' }),
    kind: z.string().optional().meta({ description: 'FailoverIP.' }),
    metadata: z.object({}).optional().meta({ description: "The standard object's metadata." }),
    spec: failoverIPSpecSchema,
    status: failoverIPStatusSchema.optional(),
  })
  .meta({
    description: 'One failover IP (or a set of addresses that move together) and the policy that decides which node holds it.',
    'x-kubernetes-validations': [HOLDER_LABEL_CEL_RULE],
  });
