import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from '../../inputs/is-plain-object.js';

type Obj = Record<string, unknown>;

/**
 * Whether applying `desired` with server-side apply as `manager` would change nothing, decided
 * from the live object alone, so that a deploy of an unchanged release sends no writes.
 *
 * It holds when the manager's own `managedFields` entry (operation Apply, same API version)
 * lists exactly the fields of `desired` (so the apply would remove nothing) and the live object
 * has `desired`'s value at each of them (so it would set nothing). The entry's field set says
 * how the server treats each list (`k:` keyed items, `v:` set values, or the whole list as one
 * value), so this needs no schema. Any doubt (another version, a value the server normalised,
 * such as a quantity "0.5" stored as "500m") answers false: an apply that changes nothing is
 * harmless, a skipped one is not. Hand-written: no JavaScript library reads managed fields.
 */
export function isUnchanged(desired: Obj, live: Obj, manager: string): boolean {
  const metadata = isPlainObject(live['metadata']) ? live['metadata'] : {};
  const entries = Array.isArray(metadata['managedFields']) ? (metadata['managedFields'] as Obj[]) : [];
  const mine = entries.find(
    (e) => e['manager'] === manager && e['operation'] === 'Apply' && (e['subresource'] ?? '') === '',
  );
  if (mine === undefined || mine['apiVersion'] !== desired['apiVersion'] || !isPlainObject(mine['fieldsV1']))
    return false;
  return covers(ownable(desired), live, mine['fieldsV1']);
}

/** `desired` without what no manager owns: identity fields and status. */
function ownable(desired: Obj): Obj {
  const { apiVersion: _a, kind: _k, status: _s, metadata, ...rest } = desired;
  if (!isPlainObject(metadata)) return rest;
  const { name: _n, namespace: _ns, ...meta } = metadata;
  return Object.keys(meta).length > 0 ? { ...rest, metadata: meta } : rest;
}

const members = (fields: Obj) => Object.keys(fields).filter((k) => k !== '.');

function covers(d: unknown, live: unknown, fields: Obj): boolean {
  if (isPlainObject(d)) {
    const keys = Object.keys(d);
    if (!isPlainObject(live)) return false;
    if (members(fields).length !== keys.length) return false;
    return keys.every((k) => {
      const sub = fields[`f:${k}`];
      return isPlainObject(sub) && d[k] !== null && covers(d[k], live[k], sub);
    });
  }
  if (Array.isArray(d)) return coversList(d, live, fields);
  return members(fields).length === 0 && isDeepStrictEqual(d, live);
}

function coversList(d: unknown[], live: unknown, fields: Obj): boolean {
  const children = members(fields);
  if (children.length === 0) return isDeepStrictEqual(d, live);
  if (!Array.isArray(live) || children.length !== d.length) return false;
  if (children.every((c) => c.startsWith('v:')))
    return d.every(
      (v) => children.includes(`v:${JSON.stringify(v)}`) && live.some((x) => isDeepStrictEqual(x, v)),
    );
  if (!children.every((c) => c.startsWith('k:'))) return false;
  const used = new Set<string>();
  return d.every((item) => {
    if (!isPlainObject(item)) return false;
    const child = children.find((c) => !used.has(c) && keyMatches(JSON.parse(c.slice(2)) as Obj, item));
    if (child === undefined) return false;
    used.add(child);
    const key = JSON.parse(child.slice(2)) as Obj;
    // The live item as the server keyed it (a key field it defaulted, such as a port's protocol,
    // may be missing from the desired item, and from a live one a server did not default).
    const liveItem =
      live.find((x) => isPlainObject(x) && keyMatches(key, x, true)) ??
      live.find((x) => isPlainObject(x) && keyMatches(key, x));
    return isPlainObject(fields[child]) && covers(item, liveItem, fields[child]);
  });
}

/** An item matches a list key when each key field equals the item's (or the item leaves it to the server's default). */
function keyMatches(key: Obj, item: Obj, exact = false): boolean {
  return Object.entries(key).every(
    ([k, v]) => isDeepStrictEqual(item[k], v) || (!exact && item[k] === undefined),
  );
}
