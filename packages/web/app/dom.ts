/** Small DOM helpers of the demo page. Text always goes through textContent (never innerHTML). */

export function $<T extends HTMLElement = HTMLElement>(selector: string): T {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form)) if (typeof v === 'string') out[k] = v.trim();
  return out;
}

export function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) {
    const code = 'code' in err ? ` (${String(err.code)})` : '';
    return `${String(err.message)}${code}`;
  }
  return String(err);
}
