// A Node as a kubelet writes it: the memory bench lists and watches 5,000 of these, so their size
// must be a real one (about 9 KiB of JSON: images, capacity, node info, condition messages), not
// the few fields the controller reads.
import { makeNode, type KubeObject } from '../test/fake-kube-api/index.js';

const hex = (seed: number, length: number): string => {
  let out = '';
  for (let x = seed * 2654435761; out.length < length; x = (x * 1103515245 + 12345) >>> 0) out += x.toString(16).padStart(8, '0');
  return out.slice(0, length);
};

const IMAGES = Array.from({ length: 30 }, (_, k) => ({
  names: [`registry.example.com/team-${k % 7}/service-${k}@sha256:${hex(k, 64)}`, `registry.example.com/team-${k % 7}/service-${k}:v1.${k}.0`],
  sizeBytes: 20_000_000 + k * 1_234_567,
}));

export function kubeletNode(i: number, labels: Record<string, string>, annotations: Record<string, string>): KubeObject {
  const name = `node-${i}`;
  const node = makeNode({
    name,
    // Loopback addresses: whatever reads them (a probe, a check) stays on this machine.
    internalIP: `127.10.${(i >> 8) & 255}.${i & 255}`,
    externalIP: `127.20.${(i >> 8) & 255}.${i & 255}`,
    providerID: `hcloud://${100000 + i}`,
    labels: {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'cpx31',
      'topology.kubernetes.io/region': 'fsn1',
      ...labels,
    },
    annotations: {
      'csi.volume.kubernetes.io/nodeid': `{"csi.hetzner.cloud":"${100000 + i}"}`,
      'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock',
      'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      ...annotations,
    },
    conditions: { Ready: i % 50 === 7 ? 'False' : 'True' },
  });
  const status = node['status'] as Record<string, unknown>;
  const resources = { cpu: '4', 'ephemeral-storage': '157197504Ki', 'hugepages-2Mi': '0', memory: '7940692Ki', pods: '110' };
  Object.assign(status, {
    capacity: resources,
    allocatable: { ...resources, cpu: '3800m', memory: '7338292Ki' },
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    images: IMAGES,
    nodeInfo: {
      architecture: 'amd64',
      bootID: `${hex(i, 8)}-${hex(i + 1, 4)}-${hex(i + 2, 4)}-${hex(i + 3, 4)}-${hex(i + 4, 12)}`,
      containerRuntimeVersion: 'containerd://1.7.24',
      kernelVersion: '6.8.0-51-generic',
      kubeProxyVersion: 'v1.32.0',
      kubeletVersion: 'v1.32.0',
      machineID: hex(i + 5, 32),
      operatingSystem: 'linux',
      osImage: 'Ubuntu 24.04.1 LTS',
      systemUUID: `${hex(i + 6, 8)}-${hex(i + 7, 4)}-${hex(i + 8, 4)}-${hex(i + 9, 4)}-${hex(i + 10, 12)}`,
    },
  });
  return node;
}
