/**
 * The one normal form of a DNS name for comparison: lower case (RFC 4343: names compare
 * case-insensitively) and without the trailing dot of the fully qualified form, so that
 * `API.Example.` and `api.example` are the same key. The root stays the empty string.
 */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
