/**
 * Runs inside one node's network namespace for topology.test.ts: the agent's real probe port
 * (agent/identity-responder.ts) with this node's identity. Prints "ready" once it listens.
 */
import { startIdentityResponder } from '../../agent/identity-responder.js';

const [node, port, bootId] = process.argv.slice(2);
const responder = await startIdentityResponder({ port: Number(port), identity: { node: node as string, bootId: bootId as string } });
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => void responder.close().then(() => process.exit(0)));
