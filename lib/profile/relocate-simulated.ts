/**
 * Moves simulated devices to loopback blocks no other session holds. A simulated profile
 * names its addresses in a 127.A.B.0/24 (the device, the resolver, the canaries, its zone's
 * answers); the session claims that block, or a free one in its place, and rewrites the
 * profile text so every address in it moves together. The rewritten text is what the run
 * directory keeps (profile.yaml and its hash), so the evidence names the addresses used.
 * Lab profiles keep their addresses: a lab names them, and is told if one is taken.
 */
import { createHash } from 'node:crypto';
import type { LoadedProfile } from './load-profile.ts';
import { parseProfile } from './load-profile.ts';
import { blockOf, claimLoopbackBlock } from './loopback-block.ts';
import type { LoopbackBlock } from './loopback-block.ts';

/** The profiles as the session runs them, and the blocks it holds until `release`. */
export interface RelocatedProfiles {
  profiles: LoadedProfile[];
  /** Old prefix → new prefix, for the blocks that moved. */
  moved: Map<string, string>;
  release(): Promise<void>;
}

/** The loopback blocks a simulated profile's own addresses live in. */
function blocksOf(loaded: LoadedProfile): string[] {
  const { profile } = loaded;
  const addresses = [
    ...(profile.dut.addresses ?? []),
    ...profile.resolver.listen.map((l) => l.address),
    ...profile.canaries,
  ];
  return addresses.map(blockOf).filter((b): b is string => b !== null);
}

function escape(text: string): string {
  return text.replaceAll('.', '\\.');
}

/** The profile text with every address of each moved block in its new block, and a comment saying so. */
function rewrite(loaded: LoadedProfile, moved: ReadonlyMap<string, string>): LoadedProfile {
  let text = loaded.text;
  const notes: string[] = [];
  for (const [from, to] of moved) {
    const pattern = new RegExp(`(?<![\\d.])${escape(from)}(?=\\d)`, 'g');
    if (!pattern.test(text)) continue;
    text = text.replace(pattern, to);
    notes.push(`${from}0/24 → ${to}0/24`);
  }
  if (notes.length === 0) return loaded;
  text = `# dnsconform moved this simulated device's loopback addresses (${notes.join(', ')}): another session held the block.\n${text}`;
  return {
    ...loaded,
    profile: parseProfile(text, loaded.file),
    text,
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}

/**
 * Claims a loopback block for every block the simulated profiles use (the same block when it
 * is free) and rewrites the profiles whose block moved. Blocks shared by several profiles (a
 * fleet) move together.
 */
export async function relocateSimulated(profiles: readonly LoadedProfile[]): Promise<RelocatedProfiles> {
  const wanted = [...new Set(profiles.filter((p) => p.profile.device.kind === 'simulated').flatMap(blocksOf))];
  const held: LoopbackBlock[] = [];
  const release = async () => {
    await Promise.all(held.map((b) => b.release()));
  };
  const moved = new Map<string, string>();
  try {
    for (const prefix of wanted) {
      const block = await claimLoopbackBlock(prefix);
      held.push(block);
      if (block.prefix !== prefix) moved.set(prefix, block.prefix);
    }
    const relocated = profiles.map((p) =>
      p.profile.device.kind === 'simulated' && moved.size > 0 ? rewrite(p, moved) : p,
    );
    return { profiles: relocated, moved, release };
  } catch (error) {
    await release();
    throw error;
  }
}
