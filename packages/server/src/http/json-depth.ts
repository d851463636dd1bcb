/**
 * How deep a parsed JSON value nests. Outside input is walked iteratively here, once, so that nothing
 * after it — JSON.stringify in the size check, the broker, the transports' encoders, all recursive —
 * meets a value deep enough to overflow the stack.
 */

/**
 * Whether `value` has objects or arrays nested more than `max` levels (`{}` and `[]` are one level).
 * @example nestedDeeperThan({ a: { b: 1 } }, 1) // true
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: Array<[object, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child as object, depth + 1]);
    }
  }
  return false;
}
