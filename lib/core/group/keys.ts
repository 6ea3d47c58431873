/**
 * Group keys (`by` at query time, `by`/`without` of a view): `attr.K` is a point attribute,
 * `resource.K` a resource attribute, a bare `K` means `attr.K`.
 */

export interface GroupKey {
  readonly source: 'attr' | 'resource';
  readonly name: string;
}

/**
 * One key as written, or a message saying what is wrong with it.
 *
 * @example groupKeyOf('resource.service.name', 256) // { source: 'resource', name: 'service.name' }
 */
export function groupKeyOf(raw: string, maxKeyLength: number): GroupKey | string {
  const prefixed = raw.startsWith('resource.') || raw.startsWith('attr.');
  const source = raw.startsWith('resource.') ? 'resource' : 'attr';
  const name = prefixed ? raw.slice(raw.indexOf('.') + 1) : raw;
  if (name.length === 0 || name.length > maxKeyLength || hasControl(name)) {
    return `a key must be 1–${maxKeyLength} printable characters`;
  }
  return { source, name };
}

/** `attr.K` or `resource.K`: how keys are echoed in answers and listings. */
export function groupKeyText(key: GroupKey): string {
  return `${key.source}.${key.name}`;
}

/** Control characters (C0 and DEL). */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
