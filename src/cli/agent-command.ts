// `ipshift agent`: the node agent's composition root lives with the agent (agent/agent-command.ts).
export { runAgentFromEnv } from '../../agent/agent-command.js';
