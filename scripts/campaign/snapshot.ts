/** One look at all three sides and the hub's conflicts, for the comparison. */
import type { Snapshot } from './compare.js';
import type { World } from './world.js';

export async function takeSnapshot(world: World): Promise<Snapshot> {
  const [hub, outlook, dav, conflicts] = await Promise.all([world.hub.views(), world.outlook.views(), world.dav.views(), world.hub.conflicts()]);
  return { views: { hub, outlook, caldav: dav.views }, unreadable: dav.unreadable.map((u) => ({ side: 'caldav' as const, ref: u.href, error: u.error })), conflicts };
}
