/** A few lines instead of a framework: elements from a tag, attributes and children. */

type Child = Node | string | number | null | undefined | false;
type AttributeValue = string | number | boolean | null | undefined;
type Listeners = Partial<Record<keyof HTMLElementEventMap, (event: Event) => void>>;
type Attributes = { on?: Listeners } & { [name: string]: AttributeValue | Listeners };

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attributes, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  return fill(document.createElementNS(SVG_NS, tag), attributes, children);
}

function fill<E extends Element>(element: E, attributes: Attributes, children: Child[]): E {
  const { on, ...rest } = attributes;
  for (const [name, value] of Object.entries(rest) as [string, AttributeValue][]) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, listener] of Object.entries(on ?? {})) element.addEventListener(type, listener);
  element.append(
    ...children.filter(isChild).map((child) => (typeof child === 'number' ? String(child) : child)),
  );
  return element;
}

const isChild = (child: Child): child is Node | string | number =>
  child !== null && child !== undefined && child !== false;

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}
