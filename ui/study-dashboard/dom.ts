/**
 * The few DOM helpers every part of the dashboard draws with. Text only ever lands in textContent (through
 * `append`), never in HTML, and every figure is read defensively: a missing one leaves its place empty.
 */

export type Rec = Record<string, unknown>;

export type Child = Node | string | null | undefined | false;

export function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

export const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
export const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
export const rec = (value: unknown): Rec | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined);
export const recs = (value: unknown): Rec[] => (Array.isArray(value) ? value.map(rec).filter((item): item is Rec => item !== undefined) : []);

export function percent(value: number | undefined): string {
  return value === undefined ? '–' : `${Math.round(value * 100)}%`;
}

export function decimal(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(2);
}

export function card(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

export function bar(share: number, cls = ''): HTMLElement {
  const fill = h('span', { class: `fill ${cls}` });
  fill.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  return h('span', { class: 'bar', role: 'presentation' }, fill);
}
