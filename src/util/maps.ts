/**
 * The inner map stored under `key` in `outer` (a Map or WeakMap of Maps), made and stored on
 * first use: the first level of the two-level caches the verify models keep per mesh, service,
 * workload or policy. Callers look the second key up themselves; a helper taking a callback
 * would allocate a closure on every call of code that runs once per probe.
 */
export function mapIn<O, K, V>(outer: { get(key: O): Map<K, V> | undefined; set(key: O, value: Map<K, V>): unknown }, key: O): Map<K, V> {
  let inner = outer.get(key);
  if (inner === undefined) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}
