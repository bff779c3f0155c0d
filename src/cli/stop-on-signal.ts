/**
 * Stops a running process part on the first SIGTERM or SIGINT (another signal while it stops is
 * ignored), then exits 0, or 1 when stopping fails or outlasts `graceMs`: the pod's
 * terminationGracePeriodSeconds must leave room for it. `say` is the stderr line for the signal.
 */
export function stopOnSignal(running: { stop(): Promise<void> }, graceMs: number, say: (signal: NodeJS.Signals) => string): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${say(signal)}\n`);
    const hard = setTimeout(() => process.exit(1), graceMs);
    hard.unref();
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
