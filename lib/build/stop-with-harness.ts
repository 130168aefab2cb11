import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/**
 * A program the harness starts (the capture tool, the lab's DHCP server) must not outlive it:
 * a `kill -9`, an OOM kill or a crash runs no exit handler. A watcher process holds a pipe from
 * the harness; when the harness dies the kernel closes the pipe, and the watcher sends `signal`
 * to the program. (`prctl(PR_SET_PDEATHSIG)` through `setpriv` would be simpler, but the kernel
 * clears it on exec of a binary with file capabilities, as dumpcap is usually installed, and
 * when a program changes its credentials, as dnsmasq does.) When the program exits first, the
 * watcher is ended.
 */
export function stopWithHarness(child: ChildProcess, signal: 'INT' | 'TERM'): void {
  if (child.pid === undefined) return;
  const watcher = spawn('sh', ['-c', `cat >/dev/null; kill -${signal} ${child.pid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watcher.on('error', () => undefined);
  watcher.stdin!.on('error', () => undefined);
  // Neither the watcher nor its pipe keeps the harness alive.
  watcher.unref();
  (watcher.stdin as unknown as { unref?: () => void }).unref?.();
  child.once('exit', () => watcher.kill('SIGKILL'));
}
